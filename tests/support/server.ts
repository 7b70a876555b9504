/**
 * A live Kring server for tests and benchmarks: the production build (`node build/start.js`) on a
 * free port, with a database of its own that is thrown away at the end.
 *
 * Database: a fresh PGlite folder in the system's temp dir (a copy of a migrated template), or,
 * when DATABASE_URL is set (or `database: 'postgres'` is asked for), a fresh PostgreSQL database
 * `kring_t_<random>` created on that server and dropped by the last `stop()`. `sameDatabaseAs`
 * starts a second instance on the first one's PostgreSQL database, as a scaled-out deployment does.
 *
 * Needs `npm run build` first. Imports nothing from SvelteKit, so `tsx` scripts (the bench) can
 * use it too; `kringForThisFile` is the one part that needs Vitest's hooks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type postgres from 'postgres';
import { afterAll, beforeAll } from 'vitest';
import { createCoordinator, type Account, type Staff } from './steps';
import { liveDocs } from './yjs-client';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = join(REPO_ROOT, 'build', 'start.js');
/** Where PostgreSQL databases are created when DATABASE_URL is not set but PostgreSQL is asked for. */
export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
/** The Redis that instances share in tests; REDIS_URL when set (as .ci/run does). */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export type StartOptions = {
	/** Fan-out over Redis (REDIS_URL); without it the instance keeps its bus in-process. */
	redisUrl?: string;
	/** A PGlite data folder to use (and keep); by default a temp folder removed on stop(). */
	dataDir?: string;
	/** Extra environment, e.g. { KRING_MAX_MESSAGE_BYTES: '65536' }; undefined leaves a variable out. */
	env?: Record<string, string | undefined>;
	/** Which database; by default PostgreSQL when DATABASE_URL is set, else PGlite. */
	database?: 'pglite' | 'postgres';
	/** Run as a second instance on this server's (PostgreSQL) database. */
	sameDatabaseAs?: KringServer;
	/** Called with what the process writes to stderr (it is in `logs()` as well). */
	onStderr?: (text: string) => void;
	/** Flags for node itself, e.g. ['--cpu-prof'] (the bench's profiles). */
	nodeArgs?: string[];
};

export type KringServer = {
	/** Base URL, e.g. http://127.0.0.1:41234 (also the server's ORIGIN). */
	readonly url: string;
	readonly origin: string;
	readonly port: number;
	/** The process id of the running server (null while it is stopped). */
	readonly pid: number | null;
	/** The one-time first-account link's path, `/setup/<token>`, or null once an account exists. */
	readonly setupPath: string | null;
	readonly database: Database;
	/** Graceful stop (SIGTERM); the last instance on a database throws it away. */
	stop(): Promise<void>;
	/** SIGKILL: no shutdown code runs, as in a crash. The data stays for restart(). */
	kill(): Promise<void>;
	/** Starts the server again on the same port and data (stopping it first if it still runs). */
	restart(): Promise<void>;
	/** Everything the process printed, across restarts. */
	logs(): string;
};

type DatabaseSpec = { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string; name: string };
type Database = DatabaseSpec & { release: () => Promise<void>; retain: () => void };

const running = new Set<ChildProcess>();
process.once('exit', () => {
	for (const child of running) child.kill('SIGKILL');
});

export async function startKring(options: StartOptions = {}): Promise<KringServer> {
	if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build\` before the integration tests`);
	const database = options.sameDatabaseAs
		? shareDatabase(options.sameDatabaseAs.database)
		: await createDatabase(options);
	const port = await freePort();
	const origin = `http://127.0.0.1:${port}`;
	const env: NodeJS.ProcessEnv = {
		...process.env,
		PORT: String(port),
		HOST: '127.0.0.1',
		ORIGIN: origin,
		...options.env
	};
	delete env.DATABASE_URL;
	delete env.REDIS_URL;
	for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
	if (database.kind === 'postgres') env.DATABASE_URL = database.url;
	else env.KRING_DATA_DIR = database.dataDir;
	if (options.redisUrl) env.REDIS_URL = options.redisUrl;

	let output = '';
	let child: ChildProcess | null = null;
	let setupPath: string | null = null;
	let released = false;

	async function launch(): Promise<void> {
		// KRING_SERVER_NODE_ARGS: flags for the server's node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
		// to see what holds its event loop (NODE_OPTIONS refuses --cpu-prof).
		const nodeArgs = [
			...(process.env.KRING_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
			...(options.nodeArgs ?? [])
		];
		const started = spawn(process.execPath, [...nodeArgs, ENTRY], {
			cwd: REPO_ROOT,
			env,
			stdio: ['ignore', 'pipe', 'pipe']
		});
		child = started;
		running.add(started);
		started.once('exit', () => running.delete(started));
		await new Promise<void>((resolve, reject) => {
			let buffered = '';
			const timer = setTimeout(() => fail(new Error(`no "listening" within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
			const fail = (error: Error) => {
				clearTimeout(timer);
				started.kill('SIGKILL');
				reject(new Error(`Kring did not start on port ${port}: ${error.message}\n--- output ---\n${output}`));
			};
			const onExit = (code: number | null, signal: string | null) =>
				fail(new Error(`exited early (code ${code}, signal ${signal})`));
			started.once('exit', onExit);
			started.stderr!.on('data', (chunk: Buffer) => {
				output += chunk.toString();
				options.onStderr?.(chunk.toString());
			});
			started.stdout!.on('data', (chunk: Buffer) => {
				const text = chunk.toString();
				output += text;
				buffered += text;
				const setup = /https?:\/\/\S+?(\/setup\/[a-z2-7]+)/.exec(buffered);
				if (setup) setupPath = setup[1];
				if (/\[kring\] listening on /.test(buffered)) {
					clearTimeout(timer);
					started.off('exit', onExit);
					buffered = '';
					resolve();
				}
			});
		});
	}

	async function halt(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
		const current = child;
		child = null;
		if (!current || current.exitCode !== null || current.signalCode !== null) return;
		const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
		current.kill(signal);
		const timer = setTimeout(() => current.kill('SIGKILL'), STOP_TIMEOUT_MS);
		await exited;
		clearTimeout(timer);
	}

	await launch().catch(async (error) => {
		await database.release();
		throw error;
	});

	return {
		url: origin,
		origin,
		port,
		get pid() {
			return child?.pid ?? null;
		},
		get setupPath() {
			return setupPath;
		},
		database,
		async stop() {
			await halt('SIGTERM');
			if (released) return;
			released = true;
			await database.release();
		},
		kill: () => halt('SIGKILL'),
		async restart() {
			await halt('SIGTERM');
			await launch();
		},
		logs: () => output
	};
}

async function createDatabase(options: StartOptions): Promise<Database> {
	const kind = options.database ?? (process.env.DATABASE_URL ? 'postgres' : 'pglite');
	if (kind === 'pglite') {
		if (options.dataDir) return counted({ kind: 'pglite', dataDir: options.dataDir }, async () => {});
		const template = await pgliteTemplate();
		const dataDir = mkdtempSync(join(tmpdir(), 'kring-test-'));
		cpSync(template, join(dataDir, 'pglite'), { recursive: true });
		return counted({ kind: 'pglite', dataDir }, async () => rmSync(dataDir, { recursive: true, force: true }));
	}
	const adminUrl = process.env.DATABASE_URL ?? DEFAULT_POSTGRES_URL;
	const name = `kring_t_${randomBytes(6).toString('hex')}`;
	await adminQuery(adminUrl, `create database "${name}"`);
	const url = new URL(adminUrl);
	url.pathname = `/${name}`;
	return counted({ kind: 'postgres', url: url.toString(), name }, () =>
		adminQuery(adminUrl, `drop database if exists "${name}" with (force)`)
	);
}

/**
 * A migrated, empty PGlite folder to copy for every server: creating a PGlite database takes
 * seconds, copying one takes milliseconds. Made once (by starting and stopping the real server)
 * for each version of the migrations and of PGlite, and kept in the temp dir.
 */
export async function pgliteTemplate(): Promise<string> {
	const hash = createHash('sha256');
	const migrations = join(REPO_ROOT, 'drizzle');
	for (const file of readdirSync(migrations, { recursive: true, encoding: 'utf8' }).sort()) {
		const path = join(migrations, file);
		if (statSync(path).isFile()) hash.update(file).update(readFileSync(path));
	}
	hash.update(readFileSync(join(REPO_ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json')));
	const template = join(tmpdir(), `kring-pglite-template-${hash.digest('hex').slice(0, 16)}`);
	if (existsSync(join(template, 'PG_VERSION'))) return template;

	const scratch = mkdtempSync(join(tmpdir(), 'kring-template-'));
	try {
		const maker = await startKring({ dataDir: scratch, database: 'pglite' });
		await maker.stop();
		renameSync(join(scratch, 'pglite'), template);
	} catch (error) {
		// Another test process made it first: theirs is as good as ours.
		if (!existsSync(join(template, 'PG_VERSION'))) throw error;
	} finally {
		rmSync(scratch, { recursive: true, force: true });
	}
	return template;
}

function shareDatabase(database: Database): Database {
	if (database.kind !== 'postgres')
		throw new Error('two instances can share only a PostgreSQL database: start the first with database: "postgres"');
	database.retain();
	return database;
}

/** The database is thrown away when the last instance using it has stopped. */
function counted<T extends DatabaseSpec>(
	database: T,
	drop: () => Promise<void>
): T & Pick<Database, 'release' | 'retain'> {
	let users = 1;
	return {
		...database,
		retain: () => void users++,
		release: async () => {
			if (--users === 0) await drop();
		}
	};
}

async function adminQuery(adminUrl: string, statement: string): Promise<void> {
	const { default: postgres } = await import('postgres');
	const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
	try {
		await sql.unsafe(statement);
	} finally {
		await sql.end({ timeout: 5 });
	}
}

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const probe = createServer();
		probe.once('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const address = probe.address();
			probe.close(() =>
				typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))
			);
		});
	});
}

/**
 * A connection of the test's own to a PostgreSQL-backed server's database, to look at or damage
 * what Kring stored (start the server with `database: 'postgres'`); `end()` it when done.
 */
export async function databaseOf(server: KringServer): Promise<postgres.Sql> {
	const database = server.database;
	if (database.kind !== 'postgres') throw new Error('databaseOf needs a server started with database: "postgres"');
	const { default: connect } = await import('postgres');
	return connect(database.url, { max: 2, onnotice: () => {} });
}

export type HeldTables = {
	/**
	 * How many of the server's queries on these tables are waiting for a lock right now; with
	 * `query`, those whose text contains it instead (such as a phase change held up behind them).
	 */
	waiting(query?: string): Promise<number>;
	/** Lets the server go on (ends the locking transaction); safe to call twice. */
	release(): Promise<void>;
};

/**
 * Holds an exclusive lock on some of the server's tables (PostgreSQL only) until `release()`:
 * whatever the server does with them waits, so a test can put another action into that gap.
 */
export async function holdTables(server: KringServer, tables: string[]): Promise<HeldTables> {
	const database = server.database;
	if (database.kind !== 'postgres')
		throw new Error('holdTables needs a PostgreSQL database: start the server with database: "postgres"');
	const { default: postgres } = await import('postgres');
	// Two connections: the lock holder's transaction would see pg_stat_activity as it was when it began.
	const sql = postgres(database.url, { max: 2, onnotice: () => {} });
	let release!: () => void;
	const released = new Promise<void>((resolve) => (release = resolve));
	let locked!: () => void;
	const isLocked = new Promise<void>((resolve) => (locked = resolve));
	const transaction = sql.begin(async (tx) => {
		await tx.unsafe(`lock table ${tables.map((table) => `"${table}"`).join(', ')} in access exclusive mode`);
		locked();
		await released;
	});
	await Promise.race([isLocked, transaction]);
	let ended: Promise<void> | null = null;
	return {
		async waiting(query) {
			// Table names and query texts are the test's own constants, never input.
			const mentions = (query ? [query] : tables).map((text) => `query ilike '%${text}%'`).join(' or ');
			const [row] = await sql.unsafe<{ n: number }[]>(
				`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and (${mentions})`
			);
			return row.n;
		},
		release() {
			ended ??= (async () => {
				release();
				await transaction;
				await sql.end({ timeout: 5 });
			})();
			return ended;
		}
	};
}

/**
 * One Kring server for a test file, with a coordinator account made through its setup link:
 * started before the file's (or the describe block's) tests, stopped after them, with every
 * document opened through `docs` closed first. Read `server` and `coordinator` inside a test or
 * a later hook, once they exist.
 */
export type KringForThisFile = { server: KringServer; coordinator: Staff; docs: ReturnType<typeof liveDocs> };

export function kringForThisFile(options: StartOptions & { coordinator?: Partial<Account> } = {}): KringForThisFile {
	const { coordinator, ...start } = options;
	const file = { docs: liveDocs() } as KringForThisFile;
	beforeAll(async () => {
		file.server = await startKring(start);
		file.coordinator = await createCoordinator(file.server, coordinator);
	});
	afterAll(async () => {
		file.docs.closeAll();
		await file.server?.stop();
	});
	return file;
}
