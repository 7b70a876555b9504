/**
 * What a browser does over HTTP, without the browser: a cookie jar, form actions with the
 * Origin header SvelteKit's CSRF check wants, and the board data a page loads. Redirects are
 * never followed, so a test sees every 303 and every Set-Cookie.
 *
 * The story helpers below (createCoordinator, joinAsFamily, …) are the steps people take in
 * Kring; each throws with the server's answer when the step does not succeed.
 */
import { randomBytes } from 'node:crypto';
import * as devalue from 'devalue';
import type { Phase } from '../../src/lib/conference/phases';

type ServerAddress = { url: string; origin: string };

export type ActionResult =
	| { type: 'success'; status: number; data: Record<string, unknown> | undefined }
	| { type: 'failure'; status: number; data: { error?: string; [key: string]: unknown } }
	| { type: 'redirect'; status: number; location: string }
	| { type: 'error'; status: number; error: unknown };

export class KringClient {
	private readonly jar = new Map<string, string>();

	constructor(readonly server: ServerAddress) {}

	/** The same person (same cookies) talking to another instance of Kring. */
	on(server: ServerAddress): KringClient {
		const twin = new KringClient(server);
		for (const [name, value] of this.jar) twin.jar.set(name, value);
		return twin;
	}

	cookie(name: string): string | undefined {
		return this.jar.get(name);
	}

	/** The Cookie header this client sends, also on WebSocket upgrades. */
	cookieHeader(): string {
		return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
	}

	async fetch(path: string, init: RequestInit = {}): Promise<Response> {
		const headers = new Headers(init.headers);
		const cookies = this.cookieHeader();
		if (cookies) headers.set('cookie', cookies);
		const response = await fetch(new URL(path, this.server.url), { ...init, headers, redirect: 'manual' });
		this.remember(response);
		return response;
	}

	get(path: string): Promise<Response> {
		return this.fetch(path);
	}

	/** A plain HTML form submission, as a browser without JavaScript sends it. */
	postForm(path: string, fields: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<Response> {
		return this.fetch(path, {
			method: 'POST',
			headers: { origin: this.server.origin, 'content-type': 'application/x-www-form-urlencoded', ...headers },
			body: new URLSearchParams(fields).toString()
		});
	}

	/**
	 * A SvelteKit form action (`action` is the name after `?/`, or null for the default action),
	 * answered as JSON, the way `use:enhance` submits it.
	 */
	async postAction(path: string, action: string | null, fields: Record<string, string> = {}): Promise<ActionResult> {
		const target = action ? `${path}?/${action}` : path;
		const response = await this.postForm(target, fields, { accept: 'application/json', 'x-sveltekit-action': 'true' });
		const text = await response.text();
		let body: { type: ActionResult['type']; status?: number; data?: string; location?: string; error?: unknown };
		try {
			body = JSON.parse(text);
		} catch {
			throw new Error(`POST ${target}: HTTP ${response.status}, not an action answer: ${text.slice(0, 300)}`);
		}
		const status = body.status ?? response.status;
		switch (body.type) {
			case 'success':
				return { type: 'success', status, data: body.data ? devalue.parse(body.data) : undefined };
			case 'failure':
				return { type: 'failure', status, data: body.data ? devalue.parse(body.data) : {} };
			case 'redirect':
				return { type: 'redirect', status, location: body.location! };
			default:
				return { type: 'error', status, error: body.error };
		}
	}

	/** The data a page's load functions return (all layouts and the page, merged), or the HTTP status. */
	async pageData<T = Record<string, unknown>>(
		path: string
	): Promise<{ status: number; data: T | null; location?: string }> {
		const response = await this.get(`${path.replace(/\/$/, '')}/__data.json`);
		if (response.status !== 200) return { status: response.status, data: null };
		const body = (await response.json()) as {
			type: string;
			location?: string;
			status?: number;
			nodes?: ({ type: string; data?: unknown[]; status?: number } | null)[];
		};
		if (body.type === 'redirect') return { status: 303, data: null, location: body.location };
		if (body.type !== 'data') return { status: body.status ?? 500, data: null };
		const merged: Record<string, unknown> = {};
		for (const node of body.nodes ?? []) {
			if (node?.type === 'data' && node.data) Object.assign(merged, devalue.unflatten(node.data));
			// A load function that threw: SvelteKit answers 200 with the error's status inside.
			if (node?.type === 'error') return { status: node.status ?? 500, data: null };
		}
		return { status: 200, data: merged as T };
	}

	private remember(response: Response): void {
		for (const header of response.headers.getSetCookie()) {
			const [pair, ...attributes] = header.split(';');
			const at = pair.indexOf('=');
			const name = pair.slice(0, at).trim();
			const value = pair.slice(at + 1).trim();
			const expired = attributes.some((attribute) => {
				const [key, val = ''] = attribute.trim().split('=');
				if (key.toLowerCase() === 'max-age') return Number(val) <= 0;
				if (key.toLowerCase() === 'expires') return new Date(val).getTime() <= Date.now();
				return false;
			});
			if (expired || value === '') this.jar.delete(name);
			else this.jar.set(name, value);
		}
	}
}

export class StepFailed extends Error {}

function expectRedirect(step: string, result: ActionResult): string {
	if (result.type !== 'redirect') throw new StepFailed(`${step}: expected a redirect, got ${JSON.stringify(result)}`);
	return result.location;
}

function expectSuccess(step: string, result: ActionResult): Record<string, unknown> {
	if (result.type !== 'success') throw new StepFailed(`${step}: expected success, got ${JSON.stringify(result)}`);
	return result.data ?? {};
}

export const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** The board of conference `conferenceId` as `client` sees it. */
export type Board = {
	conference: { id: string; title: string; phase: Phase; question: string | null; knocked: boolean };
	me: { participantId: string; name: string; role: string; status: string };
	access: { brief: string; plan: string };
	actions: string[];
	transitions: Phase[];
	participants: { id: string; name: string; role: string; presence: string; connected: boolean }[];
	waiting: { id: string; name: string; presence: string }[];
	invite: { roomCode: string; joinUrl: string } | null;
	accepted: ({ version: number; sha256: string } & Record<string, unknown>) | null;
	audit: { at: string; actor: string; actorRole: string; action: string; detail: string }[];
};

export type BoardPage = {
	member: { role: string; status: string; name: string; participantId: string };
	waiting: boolean;
	board?: Board;
};

export async function boardData(client: KringClient, conferenceId: string): Promise<BoardPage> {
	const page = await client.pageData<BoardPage>(`/c/${conferenceId}`);
	if (!page.data) throw new StepFailed(`board of ${conferenceId}: HTTP ${page.status}`);
	return page.data;
}

export type Staff = { client: KringClient; name: string; email: string; password: string };

/** Opens the one-time setup link and makes the first coordinator account (signed in). */
export async function createCoordinator(
	server: ServerAddress & { setupPath: string | null },
	who: { name?: string; email?: string; password?: string } = {}
): Promise<Staff> {
	if (!server.setupPath) throw new StepFailed('the server printed no setup link (an account exists already)');
	const account = {
		name: who.name ?? 'Carla Coördinator',
		email: who.email ?? `${unique('carla')}@kring.test`,
		password: who.password ?? 'correct horse battery'
	};
	const client = new KringClient(server);
	expectRedirect('setup', await client.postAction(server.setupPath, null, account));
	return { client, ...account };
}

export async function signIn(server: ServerAddress, email: string, password: string): Promise<KringClient> {
	const client = new KringClient(server);
	expectRedirect('sign in', await client.postAction('/login', null, { email, password }));
	return client;
}

/** Creates a conference as `coordinator`; returns its id. */
export async function createConference(
	coordinator: KringClient,
	input: { title?: string; question?: string } = {}
): Promise<string> {
	const location = expectRedirect(
		'create conference',
		await coordinator.postAction('/staff', 'create', {
			title: input.title ?? 'Conferentie familie De Vries',
			question: input.question ?? 'Hoe zorgen we ervoor dat Noor veilig thuis kan blijven wonen?'
		})
	);
	return /^\/c\/([a-z0-9]+)$/.exec(location)?.[1] ?? fail(`create conference: unexpected redirect to ${location}`);
}

/** The short room code the coordinator reads out (formatted ABCD-EFGH). */
export async function roomCodeOf(coordinator: KringClient, conferenceId: string): Promise<string> {
	const code = (await boardData(coordinator, conferenceId)).board?.invite?.roomCode;
	return code ?? fail(`room code of ${conferenceId}: the board shows none`);
}

export type FamilyMember = {
	client: KringClient;
	name: string;
	participantId: string;
	status: string;
	conferenceId: string;
};

/** A family member joins on a new device by typing the room code and a name. */
export async function joinAsFamily(
	server: ServerAddress,
	roomCode: string,
	name: string,
	options: { presence?: 'room' | 'remote' | 'video-visit'; sharedDevice?: boolean } = {}
): Promise<FamilyMember> {
	const client = new KringClient(server);
	const fields: Record<string, string> = { displayName: name, presence: options.presence ?? 'room' };
	if (options.sharedDevice) fields.sharedDevice = 'on';
	return joined(client, name, await client.postAction(`/join/${encodeURIComponent(roomCode)}`, null, fields));
}

/** A family member joins by the invite link the coordinator sent (a full URL or a path). */
export async function joinByLink(server: ServerAddress, link: string, name: string): Promise<FamilyMember> {
	const client = new KringClient(server);
	return joined(
		client,
		name,
		await client.postAction(new URL(link, server.url).pathname, null, { displayName: name, presence: 'room' })
	);
}

async function joined(client: KringClient, name: string, result: ActionResult): Promise<FamilyMember> {
	const location = expectRedirect(`join as ${name}`, result);
	const conferenceId = /^\/c\/([a-z0-9]+)$/.exec(location)?.[1] ?? fail(`join: unexpected redirect to ${location}`);
	const { member } = await boardData(client, conferenceId);
	return { client, name, participantId: member.participantId, status: member.status, conferenceId };
}

/** The coordinator invites a professional by name and email; returns the invite link. */
export async function inviteProfessional(
	coordinator: KringClient,
	conferenceId: string,
	who: { name: string; email: string }
): Promise<string> {
	const data = expectSuccess(
		'invite professional',
		await coordinator.postAction(`/c/${conferenceId}`, 'professionalInvite', who)
	);
	return String(data.link);
}

/** A professional without an account opens the invite link and registers; signed in afterwards. */
export async function registerProfessional(
	server: ServerAddress,
	link: string,
	who: { name: string; password?: string }
): Promise<{ client: KringClient; conferenceId: string }> {
	const client = new KringClient(server);
	const path = new URL(link, server.url).pathname;
	const location = expectRedirect(
		'register professional',
		await client.postAction(path, 'register', {
			name: who.name,
			password: who.password ?? 'a long professional password'
		})
	);
	return { client, conferenceId: location.replace(/^\/c\//, '') };
}

/** Asks for a phase change; throws when the server refuses it. */
export async function changePhase(client: KringClient, conferenceId: string, to: Phase): Promise<void> {
	expectSuccess(`phase → ${to}`, await client.postAction(`/c/${conferenceId}`, 'phase', { to }));
}

/**
 * The coordinator hands over (information → private) and the family confirms its circle, as it
 * does in the room (docs/design.md §6).
 */
export async function handOver(coordinator: KringClient, conferenceId: string, family: FamilyMember[]): Promise<void> {
	await changePhase(coordinator, conferenceId, 'private');
	await confirmCircle(conferenceId, family);
}

/**
 * After the hand-over each family device is confirmed by the one after it (the last by the
 * first); a lone device confirms itself, with its statement that it is the only one.
 */
export async function confirmCircle(conferenceId: string, family: FamilyMember[]): Promise<void> {
	const path = `/c/${conferenceId}`;
	if (family.length === 1) {
		const [alone] = family;
		const fields = { participantId: alone.participantId, alone: 'yes' };
		expectSuccess(`${alone.name} confirms itself`, await alone.client.postAction(path, 'confirm', fields));
		return;
	}
	for (const [i, device] of family.entries()) {
		const by = family[(i + 1) % family.length];
		const fields = { participantId: device.participantId };
		expectSuccess(`${by.name} confirms ${device.name}`, await by.client.postAction(path, 'confirm', fields));
	}
}

/** The professional or coordinator accepts the plan; returns the frozen version's number. */
export async function acceptPlan(client: KringClient, conferenceId: string, conditions = ''): Promise<number> {
	const data = expectSuccess('accept plan', await client.postAction(`/c/${conferenceId}`, 'accept', { conditions }));
	return Number(data.version);
}

export async function removeParticipant(
	client: KringClient,
	conferenceId: string,
	participantId: string
): Promise<void> {
	expectSuccess('remove participant', await client.postAction(`/c/${conferenceId}`, 'remove', { participantId }));
}

function fail(message: string): never {
	throw new StepFailed(message);
}

/** The coordinator makes a new family invite link (to send by message); returns the full URL. */
export async function inviteFamily(coordinator: KringClient, conferenceId: string): Promise<string> {
	const data = expectSuccess('family invite', await coordinator.postAction(`/c/${conferenceId}`, 'familyInvite'));
	return String(data.link);
}

/**
 * A new conference of `coordinator` with these family members in it (before private time). They
 * join by the family invite link: joining by room code is rate-limited per address (30 a minute),
 * which a test file making many conferences would run into; the walking skeleton joins by code.
 */
export async function conferenceWithFamily(
	server: ServerAddress,
	coordinator: KringClient,
	names: string[]
): Promise<{ conferenceId: string; roomCode: string; familyLink: string; family: FamilyMember[] }> {
	const conferenceId = await createConference(coordinator);
	const roomCode = await roomCodeOf(coordinator, conferenceId);
	const familyLink = await inviteFamily(coordinator, conferenceId);
	const family: FamilyMember[] = [];
	for (const name of names) family.push(await joinByLink(server, familyLink, name));
	return { conferenceId, roomCode, familyLink, family };
}
