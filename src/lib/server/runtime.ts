import { Bus } from './bus';
import { CollabServer } from './collab/collab-server';
import { DocStore } from './doc-store';
import { LiveStatus } from './live-status';
import { storeSettings } from './store-settings';

/**
 * The long-lived parts of one server process. Kept on globalThis so that Vite's dev server,
 * which may load a module twice, and the production entry share one bus, store and collab server.
 */
type Runtime = { bus: Bus; docStore: DocStore; collab: CollabServer; liveStatus: LiveStatus; ready: Promise<void> };

const KEY = Symbol.for('kring.runtime');
const store = globalThis as unknown as Record<symbol, Runtime | undefined>;

function allowedOrigins(): string[] {
	return (process.env.ORIGIN ?? '')
		.split(',')
		.map((origin) => origin.trim())
		.filter(Boolean);
}

export function runtime(): Runtime {
	let current = store[KEY];
	if (!current) {
		const bus = new Bus();
		const docStore = new DocStore();
		current = {
			bus,
			docStore,
			collab: new CollabServer(bus, docStore, allowedOrigins),
			liveStatus: new LiveStatus(bus),
			ready: bus.connect(process.env.REDIS_URL)
		};
		store[KEY] = current;
	}
	return current;
}

/**
 * Stops the live part of the process: every edit already received is stored, the sockets are
 * closed with 1012 (what they sent before the close is stored too), then the bus goes. The caller
 * has stopped new connections and closes the database afterwards.
 */
export async function shutdownRuntime(): Promise<void> {
	const current = store[KEY];
	if (!current) return;
	const deadline = Date.now() + storeSettings().shutdownDrainMs;
	await drainUntil(current.docStore, deadline);
	await current.collab.close();
	await drainUntil(current.docStore, deadline);
	reportUnstored(current.docStore);
	store[KEY] = undefined;
	await current.bus.close();
}

async function drainUntil(docStore: DocStore, deadline: number): Promise<void> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	await Promise.race([
		docStore.drained(),
		new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))))
	]);
	clearTimeout(timer);
}

function reportUnstored(docStore: DocStore): void {
	const left = docStore.pendingCount();
	if (left > 0)
		console.error(
			`[kring] stopping with ${left} received edit(s) not stored: the database did not take them in time. ` +
				'The phones still hold them and send them again when they reconnect.'
		);
}
