import { Bus } from './bus';
import { CollabServer } from './collab/collab-server';
import { DocStore } from './doc-store';
import { LiveStatus } from './live-status';

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

export async function shutdownRuntime(): Promise<void> {
	const current = store[KEY];
	if (!current) return;
	store[KEY] = undefined;
	await current.collab.close();
	await current.bus.close();
}
