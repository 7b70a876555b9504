import { registry, type Runtime } from './registry';

export type { Runtime };

/**
 * The bus, document store, live status and collab server of this process, as the composition
 * root (kring.ts) built them when Kring started. Services reach them here at call time, so no
 * service imports the live server and the live server imports no service.
 */
export function runtime(): Runtime {
	const current = registry().runtime;
	if (!current) throw new Error('Kring has not started: call startKring() before using the runtime');
	return current;
}
