import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PGlite } from '@electric-sql/pglite';
import type { SerialisedError, ThreadAnswer, ThreadData, ThreadRequest } from './pglite-thread';

/**
 * The main thread's side of the embedded database's thread (pglite-thread.ts): the three calls
 * drizzle's PGlite driver makes (`query`, `transaction`, and `query` inside it) sent as messages.
 *
 * When the thread dies (a crash, out of memory), what was asked of it fails at once with an error
 * of code PGLITE_THREAD_STOPPED, which the store counts as "the database is away": it tries again,
 * and after a few seconds tells the sockets that saving is paused, as with a hung PostgreSQL. The
 * thread is started again on the next request (PGlite recovers from its write-ahead log), at most
 * once a second; an edit is acknowledged only after its commit came back, so none is lost.
 */
export class PgliteThreadStopped extends Error {
	readonly code = 'PGLITE_THREAD_STOPPED';
	constructor(message: string) {
		super(message);
		this.name = 'PgliteThreadStopped';
	}
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };
type QueryOptions = { rowMode?: 'array' | 'object'; parsers?: Record<number, unknown> };
type Results = { rows: unknown[]; fields: { name: string; dataTypeID: number }[]; affectedRows?: number };
type Query = (sql: string, params?: unknown[], options?: QueryOptions) => Promise<Results>;

const RESTART_AT_MOST_EVERY_MS = 1000;

export class PgliteThread {
	private worker: Worker | null = null;
	private starting: Promise<Worker> | null = null;
	private lastStart = 0;
	private pending = new Map<number, Pending>();
	private nextId = 1;
	private nextTransaction = 1;
	private closed = false;

	constructor(
		private readonly file: string,
		private readonly dataDir: string
	) {}

	/** Starts the thread and opens the folder. A fresh folder is opened twice: see `start`. */
	async open(): Promise<void> {
		const fresh = !existsSync(join(this.dataDir, 'PG_VERSION'));
		await this.thread();
		// Creating the database (initdb) leaves the thread ~300 MB larger than opening it does, for
		// good: a thread of its own gives that memory back when it ends, and a new one opens the folder.
		if (fresh) {
			await this.request({ id: 0, op: 'close' });
			await this.stopThread();
			await this.thread();
		}
	}

	query: Query = (sql, params = [], options) => this.send(sql, params, options, undefined);

	async transaction<T>(callback: (tx: { query: Query }) => Promise<T>): Promise<T> {
		// The statements follow `begin` without waiting for its answer (the thread holds them until the
		// transaction has started): a commit costs one round trip between the threads fewer.
		const thread = await this.thread();
		const tx = this.nextTransaction++;
		const begun = this.request({ id: 0, op: 'begin', tx });
		begun.catch(() => {}); // reported below, or by the statements that waited for it
		// A transaction lives and dies with its thread: on a new one it is gone, as on a lost connection.
		const query: Query = (sql, params = [], options) =>
			this.worker === thread
				? this.send(sql, params, options, tx)
				: Promise.reject(new PgliteThreadStopped("the embedded database's thread stopped during the transaction"));
		let result: T;
		try {
			result = await callback({ query });
			await begun;
		} catch (error) {
			// The thread rolls back; if it is gone, so is the transaction.
			if (this.worker === thread) await this.request({ id: 0, op: 'end', tx, commit: false }).catch(() => {});
			throw error;
		}
		if (this.worker !== thread)
			throw new PgliteThreadStopped("the embedded database's thread stopped during the transaction");
		await this.request({ id: 0, op: 'end', tx, commit: true });
		return result;
	}

	async close(): Promise<void> {
		if (this.closed) return;
		try {
			if (this.worker || this.starting) await this.request({ id: 0, op: 'close' });
		} finally {
			this.closed = true;
			await this.stopThread();
		}
	}

	/** The thread's worker, for a test that ends it the way a crash would. */
	get workerForTests(): Worker | null {
		return this.worker;
	}

	private send(sql: string, params: unknown[], options: QueryOptions | undefined, tx: number | undefined) {
		const rawTypes = options?.parsers ? Object.keys(options.parsers).map(Number) : undefined;
		return this.request({
			id: 0,
			op: 'query',
			sql,
			params,
			rowMode: options?.rowMode,
			rawTypes,
			tx
		}) as Promise<Results>;
	}

	private async request(request: ThreadRequest): Promise<unknown> {
		// Not PGLITE_THREAD_STOPPED: closed on purpose, nothing should wait for it to come back.
		if (this.closed) throw new Error('the embedded database is closed');
		const worker = await this.thread();
		const id = this.nextId++;
		return new Promise((resolve, reject) => {
			this.pending.set(id, { resolve, reject });
			worker.postMessage({ ...request, id });
		});
	}

	private thread(): Promise<Worker> {
		if (this.worker) return Promise.resolve(this.worker);
		this.starting ??= this.start().finally(() => (this.starting = null));
		return this.starting;
	}

	private async start(): Promise<Worker> {
		const wait = this.lastStart + RESTART_AT_MOST_EVERY_MS - Date.now();
		if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
		this.lastStart = Date.now();
		const worker = new Worker(this.file, { workerData: { dataDir: this.dataDir } satisfies ThreadData });
		await new Promise<void>((ready, failed) => {
			const early = (error: Error) =>
				failed(new PgliteThreadStopped(`the embedded database's thread could not start: ${error.message}`));
			worker.once('error', early);
			worker.once('exit', (code) => early(new Error(`it ended with code ${code}`)));
			worker.on('message', (message: ThreadAnswer) => {
				if (message.id !== 0) return this.settle(message);
				worker.removeAllListeners('error').removeAllListeners('exit');
				if ('failed' in message) {
					void worker.terminate();
					return failed(revive(message.failed));
				}
				worker.on('error', (error) => this.lost(worker, `failed: ${error.message}`));
				worker.on('exit', (code) => this.lost(worker, `ended (code ${code})`));
				ready();
			});
		});
		this.worker = worker;
		return worker;
	}

	private settle(message: ThreadAnswer): void {
		const pending = this.pending.get(message.id);
		if (!pending) return;
		this.pending.delete(message.id);
		if ('ok' in message && message.ok) pending.resolve(message.value);
		else if ('error' in message) pending.reject(revive(message.error));
	}

	/** The thread is gone: everything asked of it fails now, instead of waiting for ever. */
	private lost(worker: Worker, how: string): void {
		if (this.worker !== worker) return;
		this.worker = null;
		if (!this.closed) console.error(`[db] the embedded database's thread ${how}; it starts again with the next query`);
		const error = new PgliteThreadStopped(`the embedded database's thread ${how} before it answered`);
		for (const pending of this.pending.values()) pending.reject(error);
		this.pending.clear();
	}

	private async stopThread(): Promise<void> {
		const worker = this.worker;
		this.worker = null;
		if (worker) {
			worker.removeAllListeners('exit');
			await worker.terminate();
		}
	}
}

function revive({ name, message, fields }: SerialisedError): Error {
	const error = Object.assign(new Error(message), fields);
	error.name = name;
	return error;
}

/** What drizzle's PGlite driver is handed: it uses only `query` and `transaction`. */
export function asPglite(thread: PgliteThread): PGlite {
	return thread as unknown as PGlite;
}
