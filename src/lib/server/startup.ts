import { resolve } from 'node:path';
import { closeLongAcceptedConferences } from './conferences';
import { closeDatabase, connectDatabase } from './db';
import { describeError } from './errors';
import { buildRuntime, closeRuntime } from './kring';
import { registry } from './registry';
import { deleteExpiredSessions } from './sessions';
import { prepareFirstAccountLink } from './users';

/**
 * Opens the database (running migrations), builds the runtime and joins the bus, and says how to
 * make the first account. Once per process: in `vite dev` both the hooks and the WebSocket plugin
 * ask for it.
 */
export function startKring(): Promise<void> {
	const held = registry();
	held.started ??= start().catch((error) => {
		held.started = undefined;
		throw error;
	});
	return held.started;
}

async function start(): Promise<void> {
	const connection = await connectDatabase();
	const { bus, collab, ready } = buildRuntime();
	await ready;
	const held = registry();
	held.upgrade = (request, socket, head) => collab.handleUpgrade(request, socket, head);
	held.shutdown = async () => {
		await closeRuntime();
		await closeDatabase();
	};
	// Housekeeping: expired sessions go, long-accepted conferences close (the coordinator's task ends).
	const housekeeping = async () => {
		await deleteExpiredSessions();
		await closeLongAcceptedConferences();
	};
	await housekeeping();
	const every = Number(process.env.KRING_HOUSEKEEPING_INTERVAL_MS ?? 3600_000);
	setInterval(
		() => housekeeping().catch((error) => console.error('[kring] housekeeping:', describeError(error))),
		every
	).unref();
	const setupPath = await prepareFirstAccountLink();
	const where =
		connection.kind === 'pglite'
			? `embedded database (${resolve(process.env.KRING_DATA_DIR ?? 'data')})`
			: 'PostgreSQL';
	console.log(`[kring] ready on the ${where}${bus.distributed ? ', with Redis' : ''}`);
	if (setupPath) {
		const base = process.env.ORIGIN ?? `http://localhost:${process.env.PORT ?? 3000}`;
		console.log(
			`[kring] no account exists yet. Create the first coordinator account here (one time, 24 hours):\n\n    ${base}${setupPath}\n`
		);
	}
}
