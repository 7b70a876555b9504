import { resolve } from 'node:path';

/**
 * The document store's durability settings, read from the environment in this one place.
 * Imports nothing from SvelteKit: the production entry and the repair and backup tools read it too.
 */
export type StoreSettings = {
	/** KRING_DATA_DIR: the embedded database's folder (absolute), locked by one process at a time. */
	dataDir: string;
	/** KRING_STATEMENT_TIMEOUT_MS: PostgreSQL cancels a statement that runs longer (0: never). */
	statementTimeoutMs: number;
	/** KRING_COMMIT_TIMEOUT_MS: a commit of live edits that takes longer is given up and tried again. */
	commitTimeoutMs: number;
	/** KRING_SAVING_PAUSED_AFTER_MS: how long storing may stall before the boards say "saving is paused". */
	savingPausedAfterMs: number;
	/** KRING_SHUTDOWN_DRAIN_MS: how long a stopping server waits for received edits to be stored. */
	shutdownDrainMs: number;
};

function milliseconds(name: string, fallback: number): number {
	const raw = process.env[name];
	if (raw === undefined || raw === '') return fallback;
	const value = Number(raw);
	if (!Number.isInteger(value) || value < 0)
		throw new Error(`${name} must be a whole number of milliseconds, not "${raw}"`);
	return value;
}

export function storeSettings(): StoreSettings {
	return {
		dataDir: resolve(process.env.KRING_DATA_DIR ?? 'data'),
		statementTimeoutMs: milliseconds('KRING_STATEMENT_TIMEOUT_MS', 30_000),
		commitTimeoutMs: milliseconds('KRING_COMMIT_TIMEOUT_MS', 35_000),
		savingPausedAfterMs: milliseconds('KRING_SAVING_PAUSED_AFTER_MS', 3_000),
		shutdownDrainMs: milliseconds('KRING_SHUTDOWN_DRAIN_MS', 30_000)
	};
}
