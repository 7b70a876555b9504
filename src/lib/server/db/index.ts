import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { config } from '../config';
import { registry } from '../registry';
import * as schema from './schema';

export type Database = PostgresJsDatabase<typeof schema>;
/** A transaction of that database: what runs inside `db.transaction(...)`. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

export type Connection = { db: Database; close: () => Promise<void>; kind: 'postgres' | 'pglite' };

async function openPostgres(url: string): Promise<Connection> {
	const { default: postgres } = await import('postgres');
	const { drizzle } = await import('drizzle-orm/postgres-js');
	const { migrate } = await import('drizzle-orm/postgres-js/migrator');
	const client = postgres(url, { max: config().databasePoolSize, onnotice: () => {} });
	const db = drizzle(client, { schema });
	await migrate(db, { migrationsFolder: config().migrationsDir });
	return { db, kind: 'postgres', close: () => client.end({ timeout: 5 }) };
}

async function openPglite(dataDir: string): Promise<Connection> {
	const { PGlite } = await import('@electric-sql/pglite');
	const { drizzle } = await import('drizzle-orm/pglite');
	const { migrate } = await import('drizzle-orm/pglite/migrator');
	if (dataDir !== 'memory://') mkdirSync(dataDir, { recursive: true });
	const client = new PGlite(dataDir);
	const db = drizzle(client, { schema });
	await migrate(db, { migrationsFolder: config().migrationsDir });
	return { db: db as unknown as Database, kind: 'pglite', close: () => client.close() };
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
