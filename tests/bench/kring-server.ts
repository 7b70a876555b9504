import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

/**
 * The built Kring server (build/start.js) in a child process, on a fresh PGlite directory, and
 * the HTTP routes a coordinator and a family use to get a session: the one-time setup link,
 * the staff dashboard, the board's actions and the family invite link.
 */
export class KringServer {
	private child: ChildProcess | null = null;
	private setupPath: string | null = null;
	readonly dataDir: string;
	port = 0;

	constructor(
		private readonly env: Record<string, string> = {},
		dataDir?: string
	) {
		this.dataDir = dataDir ?? mkdtempSync(join(tmpdir(), 'kring-bench-'));
	}

	get origin(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	get wsOrigin(): string {
		return `ws://127.0.0.1:${this.port}`;
	}

	async start(): Promise<void> {
		this.port = await freePort();
		// Without ORIGIN, adapter-node takes every request for https and refuses plain-http form posts.
		const env: NodeJS.ProcessEnv = {
			...process.env,
			...this.env,
			PORT: String(this.port),
			HOST: '127.0.0.1',
			ORIGIN: this.origin,
			KRING_DATA_DIR: this.dataDir
		};
		// The bench measures the embedded set-up: one process, PGlite, in-process fan-out.
		delete env.DATABASE_URL;
		delete env.REDIS_URL;
		const child = spawn(process.execPath, ['build/start.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
		this.child = child;
		let output = '';
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`Kring did not start within 60 s:\n${output}`)), 60_000);
			child.stdout!.on('data', (chunk: Buffer) => {
				output += chunk.toString();
				const setup = /\/setup\/([a-z0-9]+)/.exec(output);
				if (setup) this.setupPath = setup[0];
				if (output.includes('[kring] listening')) {
					clearTimeout(timer);
					resolve();
				}
			});
			child.stderr!.on('data', (chunk: Buffer) => {
				output += chunk.toString();
				process.stderr.write(`[kring server] ${chunk}`);
			});
			child.once('exit', (code) => {
				clearTimeout(timer);
				reject(new Error(`Kring exited with ${code} while starting:\n${output}`));
			});
		});
	}

	async stop(): Promise<void> {
		const child = this.child;
		this.child = null;
		if (!child || child.exitCode !== null) return;
		await new Promise<void>((resolve) => {
			const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
			child.once('exit', () => {
				clearTimeout(timer);
				resolve();
			});
			child.kill('SIGTERM');
		});
	}

	removeData(): void {
		rmSync(this.dataDir, { recursive: true, force: true });
	}

	/**
	 * Posts a form the way SvelteKit's `use:enhance` does, and returns the action's result and
	 * the session cookie it set, if any.
	 */
	async post(path: string, fields: Record<string, string>, cookie?: string): Promise<ActionResult> {
		const headers: Record<string, string> = {
			'content-type': 'application/x-www-form-urlencoded',
			accept: 'application/json',
			'x-sveltekit-action': 'true',
			origin: this.origin
		};
		if (cookie) headers.cookie = cookie;
		const response = await fetch(`${this.origin}${path}`, {
			method: 'POST',
			headers,
			body: new URLSearchParams(fields),
			redirect: 'manual'
		});
		const text = await response.text();
		let result: { type?: string; location?: string };
		try {
			result = JSON.parse(text);
		} catch {
			throw new Error(`POST ${path.replace(/[a-z0-9]{20,}/g, '…')}: HTTP ${response.status}, not an action result`);
		}
		const session = response.headers.getSetCookie().find((line) => line.startsWith('kring_session='));
		return { type: result.type ?? 'unknown', location: result.location, raw: text, cookie: session?.split(';')[0] };
	}

	/** Runs a board action (`/c/<id>?/<name>`) and returns its raw JSON result; throws on failure. */
	async action(conferenceId: string, name: string, fields: Record<string, string>, cookie: string): Promise<string> {
		const result = await this.post(`/c/${conferenceId}?/${name}`, fields, cookie);
		if (result.type !== 'success') throw new Error(`action ${name} failed: ${result.raw.slice(0, 200)}`);
		return result.raw;
	}

	/** Makes the first coordinator account through the one-time setup link; returns its cookie. */
	async createCoordinator(): Promise<string> {
		if (!this.setupPath) throw new Error('the server printed no setup link: the data directory was not fresh');
		const result = await this.post(this.setupPath, {
			name: 'Bench Coördinator',
			email: 'bench@kring.invalid',
			password: 'bench-password-123'
		});
		return sessionCookie(result, 'setup');
	}

	/** A conference in the information phase with a family invite token. */
	async createConference(coordinator: string, title: string): Promise<{ id: string; inviteToken: string }> {
		const created = await this.post(
			'/staff?/create',
			{ title, question: 'Hoe zorgen we samen dat het goed gaat?' },
			coordinator
		);
		const id = /^\/c\/([a-z0-9]+)$/.exec(created.location ?? '')?.[1];
		if (created.type !== 'redirect' || !id)
			throw new Error(`creating a conference failed: ${created.raw.slice(0, 200)}`);
		await this.action(id, 'phase', { to: 'information' }, coordinator);
		const invite = await this.action(id, 'familyInvite', {}, coordinator);
		const inviteToken = /\/j\/([a-z0-9]+)/.exec(invite)?.[1];
		if (!inviteToken) throw new Error('the family invite action returned no link');
		return { id, inviteToken };
	}

	/** A family member joins through the invite link; returns the family session cookie. */
	async joinFamily(inviteToken: string, displayName: string): Promise<string> {
		const result = await this.post(`/j/${inviteToken}`, { displayName, presence: 'room' });
		return sessionCookie(result, `join as ${displayName}`);
	}
}

type ActionResult = { type: string; location?: string; raw: string; cookie?: string };

function sessionCookie(result: ActionResult, what: string): string {
	if (result.type !== 'redirect' || !result.cookie) throw new Error(`${what} failed: ${result.raw.slice(0, 200)}`);
	return result.cookie;
}

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}
