import { dirname, join } from 'node:path';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { PGlite } from '@electric-sql/pglite';
import type { Sql } from 'postgres';
import { config } from '../config';
import { registry } from '../registry';
import { lockDataDir } from './data-lock';
import { createDurablePglite } from './durable-pglite';
import { asPglite, PgliteThread } from './pglite-thread-client';
import * as schema from './schema';

export type Database = PostgresJsDatabase<typeof schema>;
/** A transaction of that database: what runs inside `db.transaction(...)`. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/** One statement and its parameters, in PostgreSQL's own `$1` form. */
export type Statement = { text: string; params: string[] };
type Row = Record<string, unknown>;

export type Connection = {
	db: Database;
	close: () => Promise<void>;
	kind: 'postgres' | 'pglite';
	/**
	 * PostgreSQL only: runs the statements in one transaction, its begin and commit included, sent
	 * at once and answered in one round trip; resolves with each statement's rows. Each statement
	 * still runs after the one before it has finished, so locks are taken in the order written.
	 */
	transactionInOneTrip?: (statements: Statement[]) => Promise<Row[][]>;
};

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
	return {
		db,
		kind: 'postgres',
		close: () => client.end({ timeout: 5 }),
		transactionInOneTrip: (statements) => transactionInOneTrip(client, statements)
	};
}

/**
 * The statements are prepared (once per connection), so each is sent as a bind and an execute
 * only: an unprepared statement with parameters costs a round trip of its own to learn their types.
 * A failing statement aborts the transaction; those after it fail too, and the commit rolls back.
 */
async function transactionInOneTrip(client: Sql, statements: Statement[]): Promise<Row[][]> {
	const reserved = await client.reserve();
	try {
		const settled = await Promise.allSettled([
			reserved.unsafe('begin'),
			...statements.map(({ text, params }) => reserved.unsafe(text, params, { prepare: true })),
			reserved.unsafe('commit')
		]);
		const failed = settled.find((outcome) => outcome.status === 'rejected');
		if (failed) throw failed.reason;
		return settled.slice(1, -1).map((outcome) => (outcome.status === 'fulfilled' ? [...outcome.value] : []));
	} finally {
		reserved.release();
	}
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
	let client: PGlite | undefined;
	try {
		// The built server runs PGlite in a thread of its own (pglite-thread.ts); `vite dev` and the
		// tools (backup, repair), which run the sources, keep it in their one thread.
		const threadFile = registry().pgliteThreadFile;
		client = threadFile ? await openThread(threadFile, dataDir) : await createDurablePglite(dataDir);
		const db = drizzle({ client, schema });
		await migrate(db, { migrationsFolder: config().migrationsDir });
		return {
			db: db as unknown as Database,
			kind: 'pglite',
			close: async () => {
				try {
					await client?.close();
				} finally {
					unlock();
				}
			}
		};
	} catch (error) {
		await client?.close().catch(() => {});
		unlock();
		throw error;
	}
}

async function openThread(file: string, dataDir: string): Promise<PGlite> {
	const thread = new PgliteThread(file, dataDir);
	try {
		await thread.open();
	} catch (error) {
		await thread.close().catch(() => {});
		throw error;
	}
	return asPglite(thread);
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

export { createDurablePglite, schema };
