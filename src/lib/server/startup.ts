import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { connectDatabase, closeDatabase } from './db';
import { runtime, shutdownRuntime } from './runtime';
import { prepareFirstAccountLink } from './users';

export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean;

/** How the HTTP server (production entry or Vite's dev server) reaches the collab endpoint. */
export const UPGRADE_KEY = Symbol.for('kring.upgrade');
export const SHUTDOWN_KEY = Symbol.for('kring.shutdown');

/** Opens the database (running migrations), joins the bus, and says how to make the first account. */
export async function startKring(): Promise<void> {
	const connection = await connectDatabase();
	await runtime().ready;
	const registry = globalThis as unknown as Record<symbol, unknown>;
	registry[UPGRADE_KEY] = ((request, socket, head) => runtime().collab.handleUpgrade(request, socket, head)) satisfies UpgradeHandler;
	registry[SHUTDOWN_KEY] = async () => {
		await shutdownRuntime();
		await closeDatabase();
	};
	const setupPath = await prepareFirstAccountLink();
	const where = connection.kind === 'pglite' ? 'embedded database (./data)' : 'PostgreSQL';
	console.log(`[kring] ready on the ${where}${runtime().bus.distributed ? ', with Redis' : ''}`);
	if (setupPath) {
		const base = process.env.ORIGIN ?? `http://localhost:${process.env.PORT ?? 3000}`;
		console.log(`[kring] no account exists yet. Create the first coordinator account here (one time, 24 hours):\n\n    ${base}${setupPath}\n`);
	}
}
