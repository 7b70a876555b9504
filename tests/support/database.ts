/**
 * Direct access to a test server's PostgreSQL database, for tests that look at or damage what
 * Kring stored (start the server with `database: 'postgres'`).
 */
import postgres from 'postgres';
import type { KringServer } from './kring-server';

export type Sql = postgres.Sql;

/** A connection to the server's own database; `end()` it when done. */
export function databaseOf(server: KringServer): Sql {
	const database = server.database;
	if (database.kind !== 'postgres') throw new Error('databaseOf needs a server started with database: "postgres"');
	return postgres(database.url, { max: 2, onnotice: () => {} });
}

/** Polls `check` every 50 ms until it returns true; fails with `message` after `timeoutMs` (a hang guard). */
export async function eventually(check: () => Promise<boolean>, message: string, timeoutMs = 30_000): Promise<void> {
	const until = Date.now() + timeoutMs;
	for (;;) {
		if (await check()) return;
		if (Date.now() > until) throw new Error(`timed out: ${message}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}
