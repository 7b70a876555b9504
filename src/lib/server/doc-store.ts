import { sql } from 'drizzle-orm';
import * as Y from 'yjs';
import { access } from '$lib/conference/access';
import { PHASES, type DocumentName, type Phase, type Role } from '$lib/conference/phases';
import { config } from './config';
import { connectDatabase, getDb, schema, type Database } from './db';
import { describeError } from './errors';
import {
	buildStoredDoc,
	describePart,
	isUnreadableDocument,
	UnreadableDocumentError,
	type StoredSnapshot,
	type StoredUpdate
} from './stored-doc';
import { workerPool } from './workers/pool';
import type { PruneName } from './workers/tasks';

/** Stored, or fenced out: the stored phase (with its version) does not let the writer's role write. */
export type AppendOutcome = { stored: true } | { stored: false; phase: Phase; version: number };

type Pending = {
	conferenceId: string;
	documentName: DocumentName;
	update: Uint8Array;
	writer: Role;
	resolve: (outcome: AppendOutcome) => void;
	reject: (error: Error) => void;
};

/** Told when storing a document's edits stalls ("saving is paused") and when it works again. */
export type SavingListener = (conferenceId: string, documentName: DocumentName, paused: boolean) => void;

/** Told when a compaction changed what a document holds (the bin emptied), not only how it is stored. */
export type RewrittenListener = (conferenceId: string, documentName: DocumentName) => void;

/**
 * Edits in one commit at most. A commit costs mostly its flush to the disk, whatever it holds, so
 * when commits are slow (a busy disk, PGlite's synchronous fsync) a larger batch is what keeps up
 * with many rooms; the batch goes in as four array parameters, so its size costs the statement little.
 */
const MAX_BATCH = 5000;
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5_000;
/**
 * A stored document this small is read on the event loop (a few milliseconds); a bigger one, or a
 * long log, in a worker thread: 5,000 keystroke rows (97 KiB) take 70–80 ms to apply.
 */
const FOLD_IN_PROCESS = { bytes: 32 * 1024, rows: 100 };
/** Folding a document in a worker thread: past this, the thread is stopped and the load or compaction fails. */
const FOLD_TIMEOUT_MS = 60_000;
/** A compaction whose snapshot changed while it folded (another one wrote first) reads and folds again, this often at most. */
const COMPACTION_ATTEMPTS = 3;

/**
 * The durable home of every Yjs update. `appendUpdate` resolves only after the update is
 * committed; updates that arrive while a commit is in flight share the next one (group commit).
 * Writes are fenced: an update is stored only while the conference's stored phase lets its
 * writer's role write that document, checked in the transaction that stores it.
 *
 * A commit that fails because the database is away or stuck (a lost connection, a statement or
 * commit timeout) is tried again until it succeeds: the edits wait here, in order, and on the
 * phones. When a commit has not succeeded within a few seconds, the documents waiting for it are
 * told that saving is paused, and told again when it works. Any other failure rejects the commit.
 * A write fenced out is an answer, not a failure: it is never tried again.
 */
export class DocStore {
	private queue: Pending[] = [];
	private inFlight: Pending[] = [];
	private flushing = false;
	private sinceCompaction = new Map<string, number>();
	/** Documents whose last load found a part it cannot read: never compacted until one loads again. */
	private unreadable = new Set<string>();
	private idleWaiters: (() => void)[] = [];
	private paused = false;
	/** The documents told that saving is paused, to be told when it works again. */
	private toldPaused = new Map<string, { conferenceId: string; documentName: DocumentName }>();
	private savingListeners = new Set<SavingListener>();
	private rewrittenListeners = new Set<RewrittenListener>();
	/** Documents waiting for their automatic compaction, each once, in the order they asked. */
	private compactionQueue = new Map<string, { conferenceId: string; documentName: DocumentName }>();
	private compacting = false;
	/** When the last commit of live edits started (performance.now()). */
	private lastCommitAt = -Infinity;

	/** compactAfter: updates are folded into a snapshot once this many have piled up for one document. */
	constructor(private readonly compactAfter = config().compactAfter) {}

	/** Resolves once every update handed in so far is committed (or given up on). */
	drained(): Promise<void> {
		if (!this.flushing && this.queue.length === 0) return Promise.resolve();
		return new Promise((resolve) => this.idleWaiters.push(resolve));
	}

	/** Updates handed in and not yet committed. */
	pendingCount(): number {
		return this.queue.length + this.inFlight.length;
	}

	onSaving(listener: SavingListener): () => void {
		this.savingListeners.add(listener);
		return () => this.savingListeners.delete(listener);
	}

	onRewritten(listener: RewrittenListener): () => void {
		this.rewrittenListeners.add(listener);
		return () => this.rewrittenListeners.delete(listener);
	}

	/** True while this document's edits wait for a stalled commit (its sockets have been told). */
	isSavingPaused(conferenceId: string, documentName: DocumentName): boolean {
		return this.toldPaused.has(`${conferenceId}/${documentName}`);
	}

	/** Whether loading failed because a stored part cannot be read (it needs repair, not another try). */
	isUnreadable(error: unknown): boolean {
		return isUnreadableDocument(error);
	}

	appendUpdate(
		conferenceId: string,
		documentName: DocumentName,
		update: Uint8Array,
		writer: Role
	): Promise<AppendOutcome> {
		return new Promise((resolve, reject) => {
			const item = { conferenceId, documentName, update, writer, resolve, reject };
			this.queue.push(item);
			if (this.paused) this.tellPaused(item);
			if (!this.flushing) void this.flush();
		});
	}

	private async flush(): Promise<void> {
		this.flushing = true;
		try {
			while (this.queue.length > 0) {
				// A commit costs the database about as much for one edit as for fifty: under load, the
				// edits of a few milliseconds share one. An edit after a quiet spell is committed at once.
				const wait = this.lastCommitAt + config().commitSpacingMs - performance.now();
				if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
				this.lastCommitAt = performance.now();
				const batch = this.queue.splice(0, MAX_BATCH);
				this.inFlight = batch;
				const outcome = await this.commitUntilDone(batch);
				this.inFlight = [];
				for (const item of batch) {
					if (outcome instanceof Error) {
						item.reject(outcome);
						continue;
					}
					const current = outcome.get(item.conferenceId);
					if (!current) item.reject(new Error('the conference is gone'));
					else if (!mayWrite(item, current.phase))
						item.resolve({ stored: false, phase: current.phase, version: current.version });
					else {
						item.resolve({ stored: true });
						this.countForCompaction(item.conferenceId, item.documentName);
					}
				}
			}
		} finally {
			this.flushing = false;
			for (const resolve of this.idleWaiters.splice(0)) resolve();
		}
	}

	/**
	 * Commits the batch, retrying while the database is unreachable or stuck; resolves with a
	 * lasting failure, or with the stored phase of each conference the batch was fenced against.
	 */
	private async commitUntilDone(batch: Pending[]): Promise<Error | StoredPhases> {
		const { commitTimeoutMs, savingPausedAfterMs } = config();
		const stalled = setTimeout(() => this.pause(), savingPausedAfterMs);
		let delay = RETRY_FIRST_MS;
		try {
			for (;;) {
				try {
					return await withTimeout(storeFenced(batch), commitTimeoutMs);
				} catch (error) {
					if (!isTransient(error)) return error as Error;
					console.error(
						`[doc-store] storing ${batch.length} live edit(s) did not succeed, trying again in ${delay} ms:`,
						describeError(error)
					);
					await new Promise((resolve) => setTimeout(resolve, delay));
					delay = Math.min(delay * 2, RETRY_MAX_MS);
				}
			}
		} finally {
			clearTimeout(stalled);
			this.resume();
		}
	}

	private pause(): void {
		if (this.paused) return;
		this.paused = true;
		console.error(`[doc-store] storing live edits has stalled; ${this.pendingCount()} edit(s) are waiting`);
		for (const item of [...this.inFlight, ...this.queue]) this.tellPaused(item);
	}

	private tellPaused({ conferenceId, documentName }: { conferenceId: string; documentName: DocumentName }): void {
		const key = `${conferenceId}/${documentName}`;
		if (this.toldPaused.has(key)) return;
		this.toldPaused.set(key, { conferenceId, documentName });
		this.tell(conferenceId, documentName, true);
	}

	private resume(): void {
		if (!this.paused) return;
		this.paused = false;
		console.error('[doc-store] storing live edits works again');
		const told = [...this.toldPaused.values()];
		this.toldPaused.clear();
		for (const { conferenceId, documentName } of told) this.tell(conferenceId, documentName, false);
	}

	private tell(conferenceId: string, documentName: DocumentName, paused: boolean): void {
		for (const listener of this.savingListeners) {
			try {
				listener(conferenceId, documentName, paused);
			} catch (error) {
				console.error('[doc-store] a saving listener failed:', describeError(error));
			}
		}
	}

	private countForCompaction(conferenceId: string, documentName: DocumentName): void {
		const key = `${conferenceId}/${documentName}`;
		if (this.unreadable.has(key)) return;
		const n = (this.sinceCompaction.get(key) ?? 0) + 1;
		if (n < this.compactAfter) {
			this.sinceCompaction.set(key, n);
			return;
		}
		this.sinceCompaction.set(key, 0);
		// One at a time: a compaction holds a database connection while its fold runs in a worker
		// thread, and rooms typed in at the same pace reach the threshold together. Twenty at once
		// took every pooled connection for seconds, and the live edits' commits waited behind them.
		// A document already waiting keeps its place: its compaction will take the newer rows too.
		this.compactionQueue.set(key, { conferenceId, documentName });
		if (!this.compacting) void this.compactInTurn();
	}

	private async compactInTurn(): Promise<void> {
		this.compacting = true;
		try {
			for (const [key, { conferenceId, documentName }] of this.compactionQueue) {
				this.compactionQueue.delete(key);
				await this.compact(conferenceId, documentName).catch((error: Error) => {
					console.error(`[doc-store] compaction of ${key} failed:`, describeError(error));
				});
			}
		} finally {
			this.compacting = false;
		}
	}

	/**
	 * Loads the whole stored state of a document as one Yjs update (empty document: null). A stored
	 * part that cannot be read stops the load (UnreadableDocumentError): nothing is skipped.
	 */
	async loadState(conferenceId: string, documentName: DocumentName): Promise<Uint8Array | null> {
		const key = `${conferenceId}/${documentName}`;
		const stored = await readStored(await getDb(), conferenceId, documentName);
		if (!stored.snapshot && stored.rows.length === 0) return null;
		let state: Uint8Array;
		try {
			state = await foldStored(conferenceId, documentName, stored, false);
		} catch (error) {
			if (isUnreadableDocument(error)) {
				this.unreadable.add(key);
				console.error(
					`[doc-store] ${key} is not opened: ${describePart(error.part)} cannot be read (${error.why}). ` +
						'Nothing was skipped or changed; scripts/doc-repair.ts lists and repairs it (docs/operations.md).'
				);
			}
			throw error;
		}
		this.unreadable.delete(key);
		return state;
	}

	/**
	 * Folds the update log into the snapshot. The log is read and folded outside any transaction,
	 * then written in a short one: the new snapshot replaces the old one only if that is still the
	 * one it was folded from (another compaction may have folded, and deleted, rows this one never
	 * read), under an advisory lock that keeps the writes of one document's compactions apart; and
	 * only the updates actually folded in are deleted: one committed meanwhile stays. A document
	 * with a part that cannot be read is never compacted, and the new snapshot replaces the old one
	 * only once it has been read back into exactly the same document.
	 */
	async compact(
		conferenceId: string,
		documentName: DocumentName,
		/** A change made to the document in the snapshot itself (emptying the bin after acceptance). */
		prune?: PruneName
	): Promise<void> {
		const key = `${conferenceId}/${documentName}`;
		if (this.unreadable.has(key)) throw new Error(`${key} has a stored part that cannot be read: not compacted`);
		const db = await getDb();
		let written = false;
		for (let attempt = 1; ; attempt++) {
			const stored = await readStored(db, conferenceId, documentName);
			if (stored.rows.length === 0) break;
			let state: Uint8Array;
			try {
				// Built, encoded and read back in a worker thread. No transaction is open meanwhile: the
				// embedded database runs one at a time, and every live commit would wait for the fold.
				state = await foldStored(conferenceId, documentName, stored, true, prune);
			} catch (error) {
				if (isUnreadableDocument(error)) this.unreadable.add(key);
				throw error;
			}
			written = await writeSnapshot(db, conferenceId, documentName, stored, state);
			if (written) break;
			if (attempt === COMPACTION_ATTEMPTS)
				throw new Error(`${key}: the snapshot changed during each of ${attempt} compactions; left as it is`);
		}
		// A loaded room (open, or in its grace period) still holds what the prune took out.
		if (written && prune)
			for (const listener of this.rewrittenListeners) {
				try {
					listener(conferenceId, documentName);
				} catch (error) {
					console.error('[doc-store] a rewritten listener failed:', describeError(error));
				}
			}
	}
}

type StoredPhases = Map<string, { phase: Phase; version: number }>;

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

function mayWrite(item: Pending, phase: Phase): boolean {
	return access(item.writer, phase, item.documentName) === 'write';
}

/**
 * Stores the updates of a batch whose conference's phase lets their writer write, in one
 * transaction. The conferences' rows are read FOR SHARE first: a phase change waits until this
 * commits, and one committed before is seen here, so no update is stored after the phase that
 * forbids it. Which phases let each writer write comes from access(); the database only compares.
 *
 * The whole batch goes in as four array parameters, however many edits it holds, so the statement
 * text never changes: building a statement with a parameter per value was the costliest part of a
 * busy server's commits (docs/design.md, "Speed"). On PostgreSQL the begin, both statements and the
 * commit leave in one write and come back in one round trip (`Connection.transaction`).
 */
async function storeFenced(batch: Pending[]): Promise<StoredPhases> {
	const conferenceIds = arrayLiteral([...new Set(batch.map((item) => item.conferenceId))]);
	const inserted = [
		arrayLiteral(batch.map((item) => item.conferenceId)),
		arrayLiteral(batch.map((item) => item.documentName)),
		arrayLiteral(
			batch.map((item) =>
				Buffer.from(item.update.buffer, item.update.byteOffset, item.update.byteLength).toString('hex')
			)
		),
		arrayLiteral(batch.map((item) => writablePhases(item).join(' ')))
	];
	const connection = await connectDatabase();
	const [rows] = await connection.transaction([
		{ text: LOCK_CONFERENCES, params: [conferenceIds] },
		{ text: INSERT_UPDATES, params: inserted }
	]);
	const phases = rows as { id: string; phase: Phase; version: number }[];
	return new Map(phases.map((row) => [row.id, { phase: row.phase, version: Number(row.version) }]));
}

const LOCK_CONFERENCES =
	'select id, phase, phase_version as version from conferences where id = any($1::text[]) for share';
const INSERT_UPDATES = `
	insert into doc_updates (conference_id, document_name, update)
	select r.conference_id, r.document_name, decode(r.update, 'hex')
	from unnest($1::text[], $2::text[], $3::text[], $4::text[]) with ordinality as r(conference_id, document_name, update, phases, n)
	join conferences on conferences.id = r.conference_id
	where conferences.phase = any(string_to_array(r.phases, ' '))
	order by r.n`;

/** The phases in which this update's writer may write its document (access(), asked for each phase). */
function writablePhases(item: Pending): Phase[] {
	return PHASES.filter((phase) => mayWrite(item, phase));
}

/**
 * A PostgreSQL array literal of plain words, passed as one text parameter (the same on PostgreSQL
 * and PGlite, whose drivers serialise arrays differently). Ids, names, phases and hex are plain
 * words; anything else would need quoting, and is refused.
 */
function arrayLiteral(words: string[]): string {
	for (const word of words) if (!/^[a-z0-9 ]*$/i.test(word)) throw new Error('an array value that is not a plain word');
	return `{${words.map((word) => `"${word}"`).join(',')}}`;
}

/** snapshotVersion: the snapshot row's version (`xmin`), null without one: a compaction writes over that version only. */
type Stored = { snapshot: StoredSnapshot | undefined; snapshotVersion: string | null; rows: StoredUpdate[] };

/**
 * The stored snapshot and every logged update of a document, as they are, in one statement: one
 * round trip, and one consistent view of both tables without a transaction. The log comes back as
 * one row (its ids, each update's length, and the updates end to end), cut apart here into views
 * of one buffer: a row per update cost the embedded database 50 ms for 10,000 of them, and
 * copied each one on its way from the database's thread.
 */
async function readStored(db: Database | Tx, conferenceId: string, documentName: DocumentName): Promise<Stored> {
	const result = await db.execute(sql`
		select snapshot.state, snapshot.up_to_update_id::text as up_to_update_id, snapshot.xmin::text as version, log.ids, log.lengths, log.updates
		from (
			select
				string_agg(id::text, ',' order by id) as ids,
				string_agg(octet_length(update)::text, ',' order by id) as lengths,
				string_agg(update, ''::bytea order by id) as updates
			from doc_updates
			where conference_id = ${conferenceId} and document_name = ${documentName}
		) as log
		left join doc_snapshots as snapshot
			on snapshot.conference_id = ${conferenceId} and snapshot.document_name = ${documentName}`);
	const [row] = rowsOf<{
		state: Uint8Array | null;
		up_to_update_id: string | null;
		version: string | null;
		ids: string | null;
		lengths: string | null;
		updates: Uint8Array | null;
	}>(result);
	const snapshot =
		row.state === null ? undefined : { state: new Uint8Array(row.state), upToUpdateId: Number(row.up_to_update_id) };
	const snapshotVersion = row.version;
	if (row.ids === null || row.lengths === null || row.updates === null) return { snapshot, snapshotVersion, rows: [] };
	// One tight copy: a driver's buffer may be a view into a larger one.
	const updates = new Uint8Array(row.updates);
	const ids = row.ids.split(',');
	const lengths = row.lengths.split(',');
	const rows: StoredUpdate[] = new Array(ids.length);
	let offset = 0;
	for (let i = 0; i < ids.length; i++) {
		const length = Number(lengths[i]);
		rows[i] = { id: Number(ids[i]), update: updates.subarray(offset, offset + length) };
		offset += length;
	}
	return { snapshot, snapshotVersion, rows };
}

/**
 * Writes the folded state as the snapshot and deletes the rows folded into it, in one transaction,
 * unless the snapshot is no longer the one it was folded from (its row version, `xmin`, differs):
 * false then, and nothing is written.
 */
async function writeSnapshot(
	db: Database,
	conferenceId: string,
	documentName: DocumentName,
	stored: Stored,
	state: Uint8Array
): Promise<boolean> {
	const updateIds = stored.rows.map((row) => row.id);
	const upToUpdateId = updateIds[updateIds.length - 1]; // read in id order
	return db.transaction(async (tx) => {
		await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`kring/${conferenceId}/${documentName}`}))`);
		const result = await tx.execute(
			sql`select xmin::text as version from doc_snapshots where conference_id = ${conferenceId} and document_name = ${documentName}`
		);
		const [current] = rowsOf<{ version: string }>(result);
		if ((current?.version ?? null) !== stored.snapshotVersion) return false;
		await tx
			.insert(schema.docSnapshots)
			.values({ conferenceId, documentName, state, upToUpdateId })
			.onConflictDoUpdate({
				target: [schema.docSnapshots.conferenceId, schema.docSnapshots.documentName],
				set: { state, upToUpdateId, updatedAt: new Date() }
			});
		// One array parameter: a list of thousands of ids, bound one by one, held the event loop for 100+ ms.
		await tx
			.delete(schema.docUpdates)
			.where(sql`${schema.docUpdates.id} = any(${`{${updateIds.join(',')}}`}::bigint[])`);
		return true;
	});
}

/** postgres-js answers a raw statement with the rows, PGlite with { rows }. */
function rowsOf<Row>(result: unknown): Row[] {
	return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Row[];
}

/**
 * The stored document as one Yjs update; `verify`: read back into the same document first (a
 * snapshot about to replace the old one). Throws UnreadableDocumentError rather than skip a part.
 * A big document is folded in a worker thread, so the event loop keeps serving the live sockets.
 */
async function foldStored(
	conferenceId: string,
	documentName: DocumentName,
	{ snapshot, rows }: Stored,
	verify: boolean,
	prune?: PruneName
): Promise<Uint8Array> {
	const bytes = rows.reduce((sum, row) => sum + row.update.byteLength, snapshot?.state.byteLength ?? 0);
	if (!verify && !prune && bytes < FOLD_IN_PROCESS.bytes && rows.length <= FOLD_IN_PROCESS.rows) {
		const doc = buildStoredDoc(conferenceId, documentName, snapshot, rows);
		try {
			return Y.encodeStateAsUpdate(doc);
		} finally {
			doc.destroy();
		}
	}
	// The rows are views of one buffer (readStored), which crosses to the worker once.
	const input = { conferenceId, documentName, snapshot, rows, verify, prune };
	const folded = await workerPool().run('fold', input, FOLD_TIMEOUT_MS);
	if ('unreadable' in folded)
		throw new UnreadableDocumentError(conferenceId, documentName, folded.unreadable.part, folded.unreadable.why);
	return folded.state;
}

class CommitTimeout extends Error {
	constructor(ms: number) {
		super(`the commit took longer than ${ms} ms`);
		this.name = 'CommitTimeout';
	}
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
	if (!ms) return promise;
	// The abandoned attempt may still commit later: a duplicate row, which Yjs ignores when it loads.
	promise.catch(() => {});
	let timer: ReturnType<typeof setTimeout>;
	return Promise.race([
		promise.finally(() => clearTimeout(timer)),
		new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new CommitTimeout(ms)), ms)))
	]);
}

/** PostgreSQL error classes and client errors that mean "away or stuck", not "this is wrong". */
const TRANSIENT_CODES = new Set([
	'57014', // query_canceled: the statement timeout
	'57P01', // admin_shutdown
	'57P02', // crash_shutdown
	'57P03', // cannot_connect_now
	'40001', // serialization_failure
	'40P01', // deadlock_detected
	'55P03', // lock_not_available
	'PGLITE_THREAD_STOPPED', // the embedded database's thread died; it starts again (db/pglite-thread-client.ts)
	'CONNECTION_CLOSED',
	'CONNECTION_ENDED',
	'CONNECTION_DESTROYED',
	'CONNECT_TIMEOUT',
	'ECONNREFUSED',
	'ECONNRESET',
	'ETIMEDOUT',
	'EPIPE',
	'EHOSTUNREACH',
	'ENOTFOUND'
]);

function isTransient(error: unknown): boolean {
	if (error instanceof CommitTimeout) return true;
	for (let current: unknown = error; current instanceof Error; current = (current as { cause?: unknown }).cause) {
		const code = (current as { code?: unknown }).code;
		// Class 08: connection exception; class 53: insufficient resources (disk full, too many connections).
		if (typeof code === 'string' && (TRANSIENT_CODES.has(code) || /^(08|53)/.test(code))) return true;
	}
	return false;
}
