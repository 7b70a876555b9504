import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { config } from './config';
import { connectDatabase, closeDatabase } from './db';
import { closeLongAcceptedConferences } from './phase-changes';
import { describeError } from './errors';
import { compactAllFrozenDocuments, eraseExpiredConferences } from './retention';
import { closeRateLimits } from './rate-limit';
import { runtime, shutdownRuntime } from './runtime';
import { deleteExpiredSessions } from './sessions';
import { prepareFirstAccountLink } from './users';

export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean;

/** How the HTTP server (production entry or Vite's dev server) reaches the collab endpoint. */
export const UPGRADE_KEY = Symbol.for('kring.upgrade');
export const SHUTDOWN_KEY = Symbol.for('kring.shutdown');

const STARTED_KEY = Symbol.for('kring.started');

/**
 * Opens the database (running migrations), joins the bus, and says how to make the first
 * account. Once per process: in `vite dev` both the hooks and the WebSocket plugin ask for it.
 */
export function startKring(): Promise<void> {
	const registry = globalThis as unknown as Record<symbol, Promise<void> | undefined>;
	registry[STARTED_KEY] ??= start().catch((error) => {
		registry[STARTED_KEY] = undefined;
		throw error;
	});
	return registry[STARTED_KEY];
}

async function start(): Promise<void> {
	// First, so that a wrong variable stops Kring with its name before anything else fails on it.
	const settings = config();
	const connection = await connectDatabase();
	await runtime().ready;
	const registry = globalThis as unknown as Record<symbol, unknown>;
	registry[UPGRADE_KEY] = ((request, socket, head) =>
		runtime().collab.handleUpgrade(request, socket, head)) satisfies UpgradeHandler;
	registry[SHUTDOWN_KEY] = async () => {
		await shutdownRuntime();
		await closeRateLimits();
		await closeDatabase();
	};
	// Housekeeping: expired sessions go, long-accepted conferences close (the coordinator's task ends),
	// accepted plans keep no drafts, and conferences past their retention are erased.
	const housekeeping = async () => {
		await deleteExpiredSessions();
		await closeLongAcceptedConferences();
		await compactAllFrozenDocuments();
		await eraseExpiredConferences();
	};
	await housekeeping();
	setInterval(
		() => housekeeping().catch((error) => console.error('[kring] housekeeping:', describeError(error))),
		settings.housekeepingIntervalMs
	).unref();
	const setupPath = await prepareFirstAccountLink();
	const where = connection.kind === 'pglite' ? `embedded database (${settings.dataDir})` : 'PostgreSQL';
	console.log(`[kring] ready on the ${where}${runtime().bus.distributed ? ', with Redis' : ''}`);
	if (setupPath) {
		const base = settings.origin ?? `http://localhost:${settings.port}`;
		console.log(
			`[kring] no account exists yet. Create the first coordinator account here (one time, 24 hours):\n\n    ${base}${setupPath}\n`
		);
	}
}
