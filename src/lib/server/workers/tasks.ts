import * as Y from 'yjs';
import type { Locale } from '$lib/i18n';
import { emptyTheBin, type FrozenPlan } from '$lib/plan/shape';
import { planPdf } from '../pdf/plan-pdf';
import {
	buildStoredDoc,
	isUnreadableDocument,
	verifySnapshot,
	type StoredPart,
	type StoredSnapshot,
	type StoredUpdate
} from '../stored-doc';

/**
 * The work Kring does in worker threads, off the event loop that serves the live sockets
 * (docs/design.md §5.1). This module is the worker's entry: bundled on its own (`workers/pool.ts`
 * says where it is found), it gets plain data and gives plain data back, and touches no database.
 */

export type FoldInput = {
	conferenceId: string;
	documentName: string;
	snapshot: StoredSnapshot | undefined;
	rows: StoredUpdate[];
	/** Compaction: check that the state reads back into the same document before it may replace anything. */
	verify: boolean;
	/** A change made in the folded document itself, named: functions do not cross threads. */
	prune?: PruneName;
};

/** Changes a compaction may make to the document it folds (emptying the bin once a plan is accepted). */
const PRUNES = { emptyTheBin } as const;
export type PruneName = keyof typeof PRUNES;

/**
 * The stored document as one Yjs update, or which stored part could not be read. An error does
 * not keep its class across threads, so "unreadable" is an answer here and an error again on the
 * other side.
 */
export type FoldOutput = { state: Uint8Array } | { unreadable: { part: StoredPart; why: string } };

function fold({ conferenceId, documentName, snapshot, rows, verify, prune }: FoldInput): FoldOutput {
	let doc: Y.Doc;
	try {
		doc = buildStoredDoc(conferenceId, documentName, snapshot, rows);
	} catch (error) {
		if (isUnreadableDocument(error)) return { unreadable: { part: error.part, why: error.why } };
		throw error;
	}
	try {
		if (prune) PRUNES[prune](doc);
		const state = Y.encodeStateAsUpdate(doc);
		if (verify) verifySnapshot(doc, state);
		return { state };
	} finally {
		doc.destroy();
	}
}

export type PlanPdfInput = { frozen: FrozenPlan; sha256: string; locale: Locale };

async function makePlanPdf({ frozen, sha256, locale }: PlanPdfInput): Promise<Uint8Array<ArrayBuffer>> {
	return new Uint8Array(await planPdf(frozen, sha256, locale));
}

export const TASKS = { fold, planPdf: makePlanPdf };

export type Tasks = typeof TASKS;
export type TaskName = keyof Tasks;

/** What the pool posts to a worker. */
export type TaskMessage = { [K in TaskName]: { name: K; input: Parameters<Tasks[K]>[0] } }[TaskName];

/** Piscina calls the module's default export with each task. */
export default function runTask(task: TaskMessage): unknown {
	const run = TASKS[task.name] as (input: unknown) => unknown;
	if (typeof run !== 'function') throw new Error(`no worker task named ${String(task.name)}`);
	return run(task.input);
}
