import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import * as Y from 'yjs';
import { access } from '$lib/conference/access';
import type { DocumentName, Phase, Role } from '$lib/conference/phases';
import { config } from './config';
import { getDb, schema, type Database } from './db';
import { describeError } from './errors';

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

/**
 * The durable home of every Yjs update. `appendUpdate` resolves only after the update is
 * committed; updates that arrive while a commit is in flight share the next one (group commit).
 * Writes are fenced: an update is stored only while the conference's stored phase lets its
 * writer's role write that document, checked in the transaction that stores it.
 */
export class DocStore {
	private queue: Pending[] = [];
	private flushing = false;
	private sinceCompaction = new Map<string, number>();
	private idleWaiters: (() => void)[] = [];

	/** compactAfter: updates are folded into a snapshot once this many have piled up for one document. */
	constructor(private readonly compactAfter = config().compactAfter) {}

	/** Resolves once every update handed in so far is committed. */
	drained(): Promise<void> {
		if (!this.flushing && this.queue.length === 0) return Promise.resolve();
		return new Promise((resolve) => this.idleWaiters.push(resolve));
	}

	appendUpdate(
		conferenceId: string,
		documentName: DocumentName,
		update: Uint8Array,
		writer: Role
	): Promise<AppendOutcome> {
		return new Promise((resolve, reject) => {
			this.queue.push({ conferenceId, documentName, update, writer, resolve, reject });
			if (!this.flushing) void this.flush();
		});
	}

	private async flush(): Promise<void> {
		this.flushing = true;
		try {
			while (this.queue.length > 0) {
				const batch = this.queue.splice(0, 500);
				try {
					const phases = await storeFenced(await getDb(), batch);
					for (const item of batch) {
						const current = phases.get(item.conferenceId);
						if (!current) item.reject(new Error('the conference is gone'));
						else if (mayWrite(item, current.phase)) item.resolve({ stored: true });
						else item.resolve({ stored: false, phase: current.phase, version: current.version });
					}
				} catch (error) {
					for (const item of batch) item.reject(error as Error);
				}
				for (const item of batch) this.countForCompaction(item.conferenceId, item.documentName);
			}
		} finally {
			this.flushing = false;
			for (const resolve of this.idleWaiters.splice(0)) resolve();
		}
	}

	private countForCompaction(conferenceId: string, documentName: DocumentName): void {
		const key = `${conferenceId}/${documentName}`;
		const n = (this.sinceCompaction.get(key) ?? 0) + 1;
		if (n < this.compactAfter) {
			this.sinceCompaction.set(key, n);
			return;
		}
		this.sinceCompaction.set(key, 0);
		this.compact(conferenceId, documentName).catch((error: Error) => {
			console.error(`[doc-store] compaction of ${key} failed:`, describeError(error));
		});
	}

	/** Loads the whole stored state of a document as one Yjs update (empty document: null). */
	async loadState(conferenceId: string, documentName: DocumentName): Promise<Uint8Array | null> {
		const db = await getDb();
		const { doc, updateIds, hasSnapshot } = await db.transaction((tx) => readDoc(tx, conferenceId, documentName), {
			isolationLevel: 'repeatable read'
		});
		if (!hasSnapshot && updateIds.length === 0) return null;
		const state = Y.encodeStateAsUpdate(doc);
		doc.destroy();
		return state;
	}

	/**
	 * Folds the update log into the snapshot. An advisory lock keeps compactions of one document
	 * apart, and only the updates actually folded in are deleted: one committed meanwhile stays.
	 */
	async compact(conferenceId: string, documentName: DocumentName): Promise<void> {
		const db = await getDb();
		await db.transaction(async (tx) => {
			await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`kring/${conferenceId}/${documentName}`}))`);
			const { doc, updateIds } = await readDoc(tx, conferenceId, documentName);
			if (updateIds.length === 0) {
				doc.destroy();
				return;
			}
			const state = Y.encodeStateAsUpdate(doc);
			doc.destroy();
			const upToUpdateId = Math.max(...updateIds);
			await tx
				.insert(schema.docSnapshots)
				.values({ conferenceId, documentName, state, upToUpdateId })
				.onConflictDoUpdate({
					target: [schema.docSnapshots.conferenceId, schema.docSnapshots.documentName],
					set: { state, upToUpdateId, updatedAt: new Date() }
				});
			await tx.delete(schema.docUpdates).where(inArray(schema.docUpdates.id, updateIds));
		});
	}
}

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

function mayWrite(item: Pending, phase: Phase): boolean {
	return access(item.writer, phase, item.documentName) === 'write';
}

/**
 * Stores the updates of a batch whose conference's phase lets their writer write, in one
 * transaction. The conferences' rows are read FOR SHARE: a phase change waits until this commits,
 * and one committed before is seen here, so no update is stored after the phase that forbids it.
 */
async function storeFenced(db: Database, batch: Pending[]) {
	return db.transaction(async (tx) => {
		const rows = await tx
			.select({ id: schema.conferences.id, phase: schema.conferences.phase, version: schema.conferences.phaseVersion })
			.from(schema.conferences)
			.where(inArray(schema.conferences.id, [...new Set(batch.map((item) => item.conferenceId))]))
			.for('share');
		const phases = new Map(rows.map((row) => [row.id, row]));
		const allowed = batch.filter((item) => {
			const current = phases.get(item.conferenceId);
			return current !== undefined && mayWrite(item, current.phase);
		});
		if (allowed.length > 0)
			await tx
				.insert(schema.docUpdates)
				.values(allowed.map(({ conferenceId, documentName, update }) => ({ conferenceId, documentName, update })));
		return phases;
	});
}

/** Snapshot plus every logged update; Yjs updates are idempotent, so overlap does no harm. */
async function readDoc(tx: Tx, conferenceId: string, documentName: DocumentName) {
	const doc = new Y.Doc({ gc: true });
	const [snapshot] = await tx
		.select({ state: schema.docSnapshots.state })
		.from(schema.docSnapshots)
		.where(and(eq(schema.docSnapshots.conferenceId, conferenceId), eq(schema.docSnapshots.documentName, documentName)));
	const rows = await tx
		.select({ id: schema.docUpdates.id, update: schema.docUpdates.update })
		.from(schema.docUpdates)
		.where(and(eq(schema.docUpdates.conferenceId, conferenceId), eq(schema.docUpdates.documentName, documentName)))
		.orderBy(asc(schema.docUpdates.id));
	doc.transact(() => {
		if (snapshot) applySafely(doc, snapshot.state, conferenceId, documentName);
		for (const row of rows) applySafely(doc, row.update, conferenceId, documentName);
	});
	return { doc, updateIds: rows.map((row) => row.id), hasSnapshot: !!snapshot };
}

function applySafely(doc: Y.Doc, update: Uint8Array, conferenceId: string, documentName: string): void {
	try {
		Y.applyUpdate(doc, update);
	} catch (error) {
		console.error(
			`[doc-store] skipped an unreadable stored update of ${conferenceId}/${documentName}:`,
			describeError(error)
		);
	}
}

/** Throws when bytes are not a well-formed Yjs update, before anything is stored. */
export function assertValidUpdate(update: Uint8Array): void {
	Y.decodeUpdate(update);
}
