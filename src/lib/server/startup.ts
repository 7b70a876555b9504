import { config } from './config';
import { closeDatabase, connectDatabase } from './db';
import { describeError } from './errors';
import { buildRuntime, closeRuntime } from './kring';
import { closeLongAcceptedConferences } from './phase-changes';
import { compactAllFrozenDocuments, eraseAbandonedConferences, eraseExpiredConferences } from './retention';
import { closeRateLimits } from './rate-limit';
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
	// First, so that a wrong variable stops Kring with its name before anything else fails on it.
	const settings = config();
	const connection = await connectDatabase();
	const { bus, collab, ready } = buildRuntime();
	await ready;
	const held = registry();
	held.upgrade = (request, socket, head) => collab.handleUpgrade(request, socket, head);
	held.shutdown = async () => {
		await closeRuntime();
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
		await eraseAbandonedConferences();
	};
	await housekeeping();
	setInterval(
		() => housekeeping().catch((error) => console.error('[kring] housekeeping:', describeError(error))),
		settings.housekeepingIntervalMs
	).unref();
	const setupPath = await prepareFirstAccountLink();
	const where = connection.kind === 'pglite' ? `embedded database (${settings.dataDir})` : 'PostgreSQL';
	console.log(`[kring] ready on the ${where}${bus.distributed ? ', with Redis' : ''}`);
	if (setupPath) {
		const base = settings.origin ?? `http://localhost:${settings.port}`;
		console.log(
			`[kring] no account exists yet. Create the first coordinator account here (one time, 24 hours);\n` +
				`        the page also offers a demo (Johan's conference, with example people, erasable):\n\n    ${base}${setupPath}\n`
		);
	}
}
