import { parentPort, workerData } from 'node:worker_threads';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { createDurablePglite } from './durable-pglite';

/**
 * The embedded database's own thread (docs/design.md §5.1): PGlite lives here, so its work (every
 * query is PostgreSQL compiled to WebAssembly, run synchronously) never holds up the event loop
 * that serves the live sockets. The main thread talks to it through `PgliteThread`
 * (pglite-thread-client.ts), one request and one answer per message. Transactions use PGlite's
 * own: while one is open, PGlite runs no other query, so its statements never interleave with others'.
 */

export type ThreadRequest =
	| {
			id: number;
			op: 'query';
			sql: string;
			params: unknown[];
			rowMode?: 'array' | 'object';
			rawTypes?: number[];
			tx?: number;
	  }
	/** `tx`: the transaction's id, chosen by the caller, who sends its statements without waiting for the answer. */
	| { id: number; op: 'begin'; tx: number }
	| { id: number; op: 'end'; tx: number; commit: boolean }
	| { id: number; op: 'close' };

export type ThreadAnswer =
	| { id: number; ok: true; value: unknown }
	| { id: number; ok: false; error: SerialisedError }
	| { id: 0; ready: true }
	| { id: 0; failed: SerialisedError };

export type SerialisedError = { name: string; message: string; fields: Record<string, string | number | boolean> };

export type ThreadData = { dataDir: string };

type OpenTransaction = { tx: Transaction; finish: (commit: boolean) => void; done: Promise<unknown> };

const port = parentPort;
if (!port) throw new Error('pglite-thread.ts runs as a worker thread');
const { dataDir } = workerData as ThreadData;
/** Each begun transaction, from the moment its `begin` arrives: its statements wait here until PGlite starts it. */
const open = new Map<number, Promise<OpenTransaction>>();

function serialise(error: unknown): SerialisedError {
	if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
	// PostgreSQL's fields (code, detail, constraint…) travel as they are: callers read error.code.
	const fields: SerialisedError['fields'] = {};
	for (const [key, value] of Object.entries(error))
		if (['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value as string | number | boolean;
	return { name: error.name, message: error.message, fields };
}

function answer(id: number, work: () => Promise<unknown>): void {
	work().then(
		(value) => port!.postMessage({ id, ok: true, value } satisfies ThreadAnswer),
		(error: unknown) => port!.postMessage({ id, ok: false, error: serialise(error) } satisfies ThreadAnswer)
	);
}

/** drizzle asks for dates and intervals as PostgreSQL's text: it names their types, each with the identity parser. */
function asText(types: number[] | undefined): Record<number, (value: string) => string> | undefined {
	if (!types?.length) return undefined;
	return Object.fromEntries(types.map((type) => [type, (value: string) => value]));
}

function begin(pg: PGlite, id: number): Promise<void> {
	const started = new Promise<OpenTransaction>((resolve, failed) => {
		let finish!: (commit: boolean) => void;
		const decided = new Promise<boolean>((resolve) => (finish = resolve));
		const done = pg.transaction(async (tx) => {
			resolve({ tx, finish, done });
			if (!(await decided)) await tx.rollback();
		});
		done.catch((error: unknown) => {
			open.delete(id);
			failed(error);
		});
	});
	open.set(id, started);
	return started.then(() => {});
}

async function transaction(id: number): Promise<OpenTransaction> {
	const transaction = open.get(id);
	if (!transaction) throw new Error(`no open transaction ${id} in the embedded database's thread`);
	return transaction;
}

async function end(id: number, commit: boolean): Promise<void> {
	const { finish, done } = await transaction(id);
	open.delete(id);
	finish(commit);
	await done;
}

function serve(pg: PGlite): void {
	port!.on('message', (request: ThreadRequest) => {
		switch (request.op) {
			case 'query': {
				const { sql, params, rowMode, rawTypes, tx } = request;
				answer(request.id, async () => {
					const target = tx === undefined ? pg : (await transaction(tx)).tx;
					const result = await target.query(sql, params, { rowMode, parsers: asText(rawTypes) });
					return { rows: result.rows, fields: result.fields, affectedRows: result.affectedRows };
				});
				break;
			}
			case 'begin':
				answer(request.id, () => begin(pg, request.tx));
				break;
			case 'end':
				answer(request.id, () => end(request.tx, request.commit));
				break;
			case 'close':
				answer(request.id, () => pg.close());
				break;
		}
	});
}

createDurablePglite(dataDir).then(
	(pg) => {
		serve(pg);
		port.postMessage({ id: 0, ready: true } satisfies ThreadAnswer);
	},
	(error: unknown) => port.postMessage({ id: 0, failed: serialise(error) } satisfies ThreadAnswer)
);
