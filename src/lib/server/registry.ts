import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Bus } from './bus';
import type { CollabServer } from './collab/collab-server';
import type { Connection } from './db';
import type { DocStore } from './doc-store';
import type { LiveStatus } from './live-status';
import type { WorkerPool } from './workers/pool';

/** The long-lived parts of one server process; `runtime()` hands them to the services. */
export type Runtime = {
	bus: Bus;
	docStore: DocStore;
	collab: CollabServer;
	liveStatus: LiveStatus;
	ready: Promise<void>;
};

/** How an HTTP server hands a WebSocket upgrade to Kring; false: not Kring's, someone else may take it. */
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean;

/** Everything one Kring process holds once. Only the composition root (kring.ts, startup.ts) and db/ fill it in. */
export type Registry = {
	/** The one database connection; migrations run when it opens. */
	database?: Promise<Connection>;
	runtime?: Runtime;
	/** Kring's start (database, bus, housekeeping), begun once. */
	started?: Promise<void>;
	/** Set once Kring has started: the production entry and Vite's dev server pass upgrades here. */
	upgrade?: UpgradeHandler;
	/** Closes the collab server, the bus and the database (the production entry, on SIGTERM). */
	shutdown?: () => Promise<void>;
	/** The data folders' lock files this process holds (db/data-lock.ts), each with how often it took it. */
	dataLocks?: Map<string, number>;
	/** The worker threads for CPU-heavy work (workers/pool.ts), started with the first task. */
	workers?: WorkerPool;
	/** The bundled worker module, named by the production entry; without it the sources are bundled. */
	workerFile?: string;
	/** The bundled thread of the embedded database (db/pglite-thread.ts); without it PGlite runs on the main thread. */
	pgliteThreadFile?: string;
};

const KEY = Symbol.for('kring.registry');

/**
 * The process-wide registry. It lives on globalThis, not in this module, because one process may
 * load this module more than once: the production entry (build/start.js) is bundled apart from
 * SvelteKit's handler, and Vite's dev server loads server modules apart from vite.config.ts.
 */
export function registry(): Registry {
	const global = globalThis as unknown as Record<symbol, Registry | undefined>;
	return (global[KEY] ??= {});
}
