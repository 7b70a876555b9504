import fs, { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { config } from '../config';
import { registry } from '../registry';
import { lockDataDir } from './data-lock';
import * as schema from './schema';

export type Database = PostgresJsDatabase<typeof schema>;
/** A transaction of that database: what runs inside `db.transaction(...)`. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

export type Connection = { db: Database; close: () => Promise<void>; kind: 'postgres' | 'pglite' };

async function openPostgres(url: string): Promise<Connection> {
	const { default: postgres } = await import('postgres');
	const { drizzle } = await import('drizzle-orm/postgres-js');
	const { migrate } = await import('drizzle-orm/postgres-js/migrator');
	const { databasePoolSize, statementTimeoutMs } = config();
	const client = postgres(url, {
		max: databasePoolSize,
		onnotice: () => {},
		// A hung statement is cancelled by the server, and a transaction left open does not hold its locks forever.
		connection: {
			statement_timeout: statementTimeoutMs,
			idle_in_transaction_session_timeout: statementTimeoutMs ? statementTimeoutMs * 2 : 0
		}
	});
	const db = drizzle(client, { schema });
	await migrate(db, { migrationsFolder: config().migrationsDir });
	return { db, kind: 'postgres', close: () => client.end({ timeout: 5 }) };
}

async function openPglite(dataDir: string): Promise<Connection> {
	const { drizzle } = await import('drizzle-orm/pglite');
	const { migrate } = await import('drizzle-orm/pglite/migrator');
	if (dataDir === 'memory://') {
		const { PGlite } = await import('@electric-sql/pglite');
		const client = new PGlite(dataDir);
		const db = drizzle(client, { schema });
		await migrate(db, { migrationsFolder: config().migrationsDir });
		return { db: db as unknown as Database, kind: 'pglite', close: () => client.close() };
	}
	// Taken before anything touches the folder: a second process stops here, naming the first.
	const unlock = lockDataDir(dirname(dataDir), 'Kring');
	try {
		const client = await createDurablePglite(dataDir);
		const db = drizzle(client, { schema });
		await migrate(db, { migrationsFolder: config().migrationsDir });
		return {
			db: db as unknown as Database,
			kind: 'pglite',
			close: async () => {
				try {
					await client.close();
				} finally {
					unlock();
				}
			}
		};
	} catch (error) {
		unlock();
		throw error;
	}
}

/**
 * PGlite on a folder, with every commit on the disk before it is reported done. PGlite starts
 * PostgreSQL with fsync off (`-F`), and its Node filesystem (Emscripten's NODEFS) has no fsync at
 * all: PostgreSQL's fsync calls do nothing. So: fsync on, WAL flushed with fsync() (fdatasync() is a
 * no-op there too), and NODEFS's missing fsync filled in with Node's, which is the real system call.
 * Call with the folder locked (lockDataDir).
 */
export async function createDurablePglite(dataDir: string, options: { loadDataDir?: Blob } = {}): Promise<PGlite> {
	const { PGlite } = await import('@electric-sql/pglite');
	const { NodeFS } = await import('@electric-sql/pglite/nodefs');
	mkdirSync(dataDir, { recursive: true });
	class DurableNodeFS extends NodeFS {
		override async init(pg: PGlite, emscriptenOptions: Parameters<InstanceType<typeof NodeFS>['init']>[1]) {
			const result = await super.init(pg, emscriptenOptions);
			const preRun = result.emscriptenOpts.preRun ?? [];
			result.emscriptenOpts.preRun = [...(Array.isArray(preRun) ? preRun : [preRun]), fillInFsync];
			return result;
		}
	}
	const startParams = [
		...PGlite.defaultStartParams.filter((param) => param !== '-F'),
		...['-c', 'fsync=on', '-c', 'synchronous_commit=on', '-c', 'wal_sync_method=fsync', '-c', 'full_page_writes=on']
	];
	const client = new PGlite({
		fs: new DurableNodeFS(dataDir),
		relaxedDurability: false,
		startParams,
		loadDataDir: options.loadDataDir
	});
	await client.waitReady;
	return client;
}

type NodeFsModule = {
	NODEFS: {
		stream_ops: { fsync?: (stream: { nfd?: number }) => number };
		tryFSOperation: <T>(operation: () => T) => T;
	};
};

function fillInFsync(module: unknown): void {
	const { NODEFS } = module as NodeFsModule;
	NODEFS.stream_ops.fsync = (stream) => {
		// tryFSOperation turns a failed fsync into an error PostgreSQL sees (and stops on), as with real files.
		if (typeof stream.nfd === 'number') NODEFS.tryFSOperation(() => fs.fsyncSync(stream.nfd as number));
		return 0;
	};
}

/**
 * The one database of this process: PostgreSQL when DATABASE_URL is set, otherwise the
 * embedded PGlite under KRING_DATA_DIR. Migrations run once, at first use.
 */
export function connectDatabase(): Promise<Connection> {
	const held = registry();
	if (held.database) return held.database;
	const { databaseUrl, dataDir } = config();
	const connection = databaseUrl ? openPostgres(databaseUrl) : openPglite(join(dataDir, 'pglite'));
	held.database = connection;
	connection.catch(() => {
		if (held.database === connection) held.database = undefined;
	});
	return connection;
}

export async function getDb(): Promise<Database> {
	return (await connectDatabase()).db;
}

export async function closeDatabase(): Promise<void> {
	const held = registry();
	const connection = held.database;
	held.database = undefined;
	if (connection) await (await connection).close();
}

export { schema };
