import { afterAll, beforeAll } from 'vitest';
import { createCoordinator, type Staff } from './client';
import { startKring, type KringServer, type StartOptions } from './kring-server';
import { liveDocs } from './yjs-client';

export type KringForThisFile = { server: KringServer; coordinator: Staff; docs: ReturnType<typeof liveDocs> };

/**
 * One Kring server for a test file, with a coordinator account: started before the file's tests,
 * stopped after them, with every document the file opened closed first. Read `server` and
 * `coordinator` inside a test, once they exist.
 */
export function kringForThisFile(options: StartOptions = {}): KringForThisFile {
	const file = { docs: liveDocs() } as KringForThisFile;
	beforeAll(async () => {
		file.server = await startKring(options);
		file.coordinator = await createCoordinator(file.server);
	});
	afterAll(async () => {
		file.docs.closeAll();
		await file.server?.stop();
	});
	return file;
}
