import { dirname, join } from 'node:path';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { PGlite } from '@electric-sql/pglite';
import type { Sql } from 'postgres';
import { sql } from 'drizzle-orm';
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
	 * Runs the statements in one transaction, one after another, so locks are taken in the order
	 * written; resolves with each statement's rows. On PostgreSQL the begin, the statements and the
	 * commit are sent at once and answered in one round trip.
	 */
	transaction: (statements: Statement[]) => Promise<Row[][]>;
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
		transaction: (statements) => transactionInOneTrip(client, statements)
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

/** An embedded database in memory, migrated: nothing on disk, gone when closed (tests, `memory://`). */
export async function openPgliteInMemory(): Promise<Connection> {
	const { drizzle } = await import('drizzle-orm/pglite');
	const { migrate } = await import('drizzle-orm/pglite/migrator');
	const { PGlite } = await import('@electric-sql/pglite');
	const client = new PGlite('memory://');
	const db = drizzle(client, { schema });
	await migrate(db, { migrationsFolder: config().migrationsDir });
	return {
		db: db as unknown as Database,
		kind: 'pglite',
		close: () => client.close(),
		transaction: (statements) => transactionInProcess(db as unknown as Database, statements)
	};
}

async function openPglite(dataDir: string): Promise<Connection> {
	if (dataDir === 'memory://') return openPgliteInMemory();
	const { drizzle } = await import('drizzle-orm/pglite');
	const { migrate } = await import('drizzle-orm/pglite/migrator');
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
			transaction: (statements) => transactionInProcess(db as unknown as Database, statements),
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

/** PGlite is in this process (or its thread): no round trips to save, drizzle's transaction does. */
function transactionInProcess(db: Database, statements: Statement[]): Promise<Row[][]> {
	return db.transaction(async (tx) => {
		const answers: Row[][] = [];
		for (const { text, params } of statements) {
			// `$n` becomes the n-th parameter, bound as drizzle binds any other.
			const parts = text.split(/\$(\d+)/);
			const query = sql.join(parts.map((part, i) => (i % 2 === 0 ? sql.raw(part) : sql`${params[Number(part) - 1]}`)));
			const result = await tx.execute(query);
			// postgres-js answers with the rows, PGlite with { rows }.
			answers.push((Array.isArray(result) ? result : (result as unknown as { rows: Row[] }).rows) as Row[]);
		}
		return answers;
	});
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
