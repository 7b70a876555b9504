import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Piscina from 'piscina';
import { bundleFromSource } from '../bundle-source';
import { describeError } from '../errors';
import { registry } from '../registry';
import type { TaskMessage, TaskName, Tasks } from './tasks';

/**
 * Worker threads for the CPU-heavy work (docs/design.md §5.1): folding a document's log into a
 * snapshot, loading a big document, making a PDF. Piscina keeps the threads, queues the tasks,
 * replaces a thread that died and stops one whose task is aborted; Kring adds a deadline to every
 * task, so a crashed or stuck thread ends as an error naming the task, never as a wait.
 */
export class WorkerTaskError extends Error {
	constructor(message: string, options?: { cause?: unknown }) {
		super(message, options);
		this.name = 'WorkerTaskError';
	}
}

export type WorkerPoolOptions = {
	/** The worker's module file; asked for once, when the first task comes. */
	locate: () => Promise<string>;
	maxThreads?: number;
};

export class WorkerPool {
	private piscina: Promise<Piscina> | null = null;
	private closed = false;
	/** The tasks under way: an error of the pool's own (a thread that cannot load its module) ends them. */
	private running = new Set<AbortController>();

	constructor(private readonly options: WorkerPoolOptions) {}

	/** Runs `name` in a worker thread; rejects with WorkerTaskError when it fails, crashes or outlasts `timeoutMs`. */
	async run<K extends TaskName>(
		name: K,
		input: Parameters<Tasks[K]>[0],
		timeoutMs: number
	): Promise<Awaited<ReturnType<Tasks[K]>>> {
		if (this.closed) throw new WorkerTaskError(`${name}: the worker threads are closed`);
		let pool: Piscina;
		try {
			pool = await (this.piscina ??= this.start());
		} catch (error) {
			this.piscina = null;
			throw new WorkerTaskError(`${name}: the worker threads could not start: ${describeError(error)}`, {
				cause: error
			});
		}
		const deadline = AbortSignal.timeout(timeoutMs);
		const failed = new AbortController();
		this.running.add(failed);
		try {
			return await pool.run({ name, input } as TaskMessage, { signal: AbortSignal.any([deadline, failed.signal]) });
		} catch (error) {
			if (!failed.signal.aborted && deadline.aborted)
				throw new WorkerTaskError(`${name} took longer than ${timeoutMs} ms in its worker thread, which was stopped`, {
					cause: error
				});
			const cause: unknown = failed.signal.aborted ? failed.signal.reason : error;
			throw new WorkerTaskError(`${name} failed in its worker thread: ${describeError(cause)}`, { cause });
		} finally {
			this.running.delete(failed);
		}
	}

	async close(): Promise<void> {
		this.closed = true;
		const pool = await this.piscina?.catch(() => null);
		await pool?.destroy();
	}

	private async start(): Promise<Piscina> {
		const filename = await this.options.locate();
		if (!existsSync(filename)) throw new Error(`the worker file ${filename} does not exist`);
		const pool = new Piscina({
			filename,
			minThreads: 0,
			maxThreads: this.options.maxThreads ?? 2,
			// A thread costs some 55 MB of resident memory. While people type, folds come every few
			// seconds and keep it; once they stop, it gives its memory back within half a minute (a PDF
			// made within that time finds its fonts loaded).
			idleTimeout: 30_000,
			// Nobody reads piscina's run and wait times; their two histograms cost 700 KB of native memory.
			recordTiming: false
		});
		// Not a task's error (a thread that could not load its module): it would never settle the tasks
		// it holds, so they end now; unheard, it would end the process.
		pool.on('error', (error: unknown) => {
			console.error('[workers] a worker thread failed:', describeError(error));
			for (const task of this.running) task.abort(error);
		});
		return pool;
	}
}

/** Kring's worker threads, one pool per process (the registry holds it; kring.ts closes it). */
export function workerPool(): WorkerPool {
	const held = registry();
	return (held.workers ??= new WorkerPool({
		locate: locateWorkerFile,
		// The live sockets keep a core: the heavy work gets all cores but one, and at least one thread.
		maxThreads: Math.max(1, Math.min(2, availableParallelism() - 1))
	}));
}

/**
 * The bundled worker: the production entry names the one `scripts/build-server.js` wrote beside
 * it (build/worker.js). `vite dev` and the tests run the sources, which a worker thread cannot
 * import (TypeScript, `$lib`), so there tasks.ts is bundled on first use, with the same esbuild,
 * into node_modules/.cache (where its packages resolve).
 */
async function locateWorkerFile(): Promise<string> {
	const built = registry().workerFile;
	if (built) return built;
	const source = join(dirname(fileURLToPath(import.meta.url)), 'tasks.ts');
	if (!existsSync(source))
		throw new Error(
			`no worker file: this bundled Kring was not started through build/start.js, which names it (looked for ${source})`
		);
	return bundleFromSource(source, 'kring-worker');
}
