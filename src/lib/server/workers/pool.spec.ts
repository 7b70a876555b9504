import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { WorkerPool, WorkerTaskError, workerPool } from './pool';

const MISBEHAVING = fileURLToPath(new URL('../../../../tests/support/workers/misbehaving-worker.mjs', import.meta.url));
const BROKEN = fileURLToPath(new URL('../../../../tests/support/workers/worker-that-cannot-load.mjs', import.meta.url));

describe('a worker thread that fails', () => {
	const pool = new WorkerPool({ locate: async () => MISBEHAVING, maxThreads: 1 });
	// The fixture's tasks are not Kring's: their names and inputs are cast.
	const run = (name: string, timeoutMs = 20_000) => pool.run(name as 'fold', null as never, timeoutMs);
	afterAll(() => pool.close());

	it('ends its task with an error naming the task when the thread exits', async () => {
		const failure = await run('crash').catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(WorkerTaskError);
		expect((failure as Error).message).toMatch(/^crash failed in its worker thread/);
	});

	it('ends its task with an error when the task throws', async () => {
		await expect(run('throw')).rejects.toThrow(/throw failed in its worker thread: the task broke/);
	});

	it('is stopped at its deadline, and the next task gets a fresh thread', async () => {
		await expect(run('hang', 300)).rejects.toThrow(/hang took longer than 300 ms in its worker thread/);
		await expect(pool.run('echo' as 'fold', 'still here' as never, 20_000)).resolves.toBe('still here');
	});
});

it('a worker file that is missing or cannot load ends the task with an error, not a wait', async () => {
	const missing = new WorkerPool({ locate: async () => '/nonexistent/kring-worker.js', maxThreads: 1 });
	await expect(missing.run('fold', null as never, 20_000)).rejects.toThrow(/^fold: the worker threads could not start/);
	await missing.close();

	const broken = new WorkerPool({ locate: async () => BROKEN, maxThreads: 1 });
	try {
		await expect(broken.run('fold', null as never, 20_000)).rejects.toThrow(/^fold failed in its worker thread/);
	} finally {
		await broken.close();
	}
});

describe("Kring's own worker, bundled from the sources as in vite dev", () => {
	afterAll(() => workerPool().close());

	it('folds a stored document into one update, and names the part it cannot read', async () => {
		const doc = new Y.Doc();
		doc.getText('monitor').insert(0, 'Oma kijkt mee');
		const rows = [{ id: 7, update: Y.encodeStateAsUpdate(doc) }];
		const input = { conferenceId: 'c1', documentName: 'plan', snapshot: undefined, verify: true };
		const folded = await workerPool().run('fold', { ...input, rows }, 30_000);
		if (!('state' in folded)) throw new Error('not folded');
		const again = new Y.Doc();
		Y.applyUpdate(again, folded.state);
		expect(again.getText('monitor').toString()).toBe('Oma kijkt mee');

		const broken = await workerPool().run(
			'fold',
			{ ...input, rows: [...rows, { id: 8, update: Uint8Array.of(1, 2, 3) }] },
			30_000
		);
		expect(broken).toMatchObject({ unreadable: { part: { kind: 'update', id: 8 } } });
	}, 60_000);
});
