import * as Y from 'yjs';
import { applyStoredUpdate } from '../plan/update-reader';

/**
 * Reading a document back from what is stored (a snapshot plus the update log), shared by the
 * document store and `scripts/doc-repair.ts`. Imports only Yjs and the update reader (relatively),
 * so the repair tool runs it with tsx.
 */

export type StoredSnapshot = { state: Uint8Array; upToUpdateId: number };
export type StoredUpdate = { id: number; update: Uint8Array };

/** Which stored part could not be read: the snapshot, or one row of the update log. */
export type StoredPart = { kind: 'snapshot'; upToUpdateId: number } | { kind: 'update'; id: number };

/**
 * A stored snapshot or update that Yjs cannot read. The document is then not opened at all:
 * opening it without that part would show the family less than it wrote, and the next compaction
 * would make the loss permanent. The message names ids only, never content.
 */
export class UnreadableDocumentError extends Error {
	constructor(
		readonly conferenceId: string,
		readonly documentName: string,
		readonly part: StoredPart,
		readonly why: string
	) {
		super(`${describePart(part)} of ${conferenceId}/${documentName} cannot be read (${why})`);
		this.name = 'UnreadableDocumentError';
	}
}

export function isUnreadableDocument(error: unknown): error is UnreadableDocumentError {
	return error instanceof UnreadableDocumentError;
}

export function describePart(part: StoredPart): string {
	return part.kind === 'snapshot'
		? `the stored snapshot (up to update ${part.upToUpdateId})`
		: `stored update ${part.id}`;
}

/**
 * Why Yjs could not read some bytes, for a log. Yjs's own errors name what broke ("Unexpected end
 * of array"); a SyntaxError comes from JSON inside the update and quotes it, so its text is left out.
 */
export function describeDecodeFailure(error: unknown): string {
	if (!(error instanceof Error)) return 'unknown error';
	if (error instanceof SyntaxError) return 'SyntaxError (text withheld: it may quote the document)';
	return `${error.name}: ${error.message}`;
}

/** Applies `bytes` to `doc`, or throws UnreadableDocumentError naming the part. */
function applyPart(doc: Y.Doc, bytes: Uint8Array, part: StoredPart, conferenceId: string, documentName: string) {
	try {
		applyStoredUpdate(doc, bytes);
	} catch (error) {
		throw new UnreadableDocumentError(conferenceId, documentName, part, describeDecodeFailure(error));
	}
}

/**
 * The document as stored: the snapshot, then every logged update in order. Yjs updates are
 * idempotent, so rows that overlap the snapshot do no harm. Throws UnreadableDocumentError at the
 * first part that cannot be read; nothing is ever skipped.
 */
export function buildStoredDoc(
	conferenceId: string,
	documentName: string,
	snapshot: StoredSnapshot | undefined,
	rows: StoredUpdate[]
): Y.Doc {
	const doc = new Y.Doc({ gc: true });
	try {
		doc.transact(() => {
			if (snapshot)
				applyPart(
					doc,
					snapshot.state,
					{ kind: 'snapshot', upToUpdateId: snapshot.upToUpdateId },
					conferenceId,
					documentName
				);
			for (const row of rows) applyPart(doc, row.update, { kind: 'update', id: row.id }, conferenceId, documentName);
		});
	} catch (error) {
		doc.destroy();
		throw error;
	}
	return doc;
}

/** Whether one stored part can be read on its own: null when it can, else why not. */
export function decodeProblem(bytes: Uint8Array): string | null {
	try {
		// Depth first: Yjs's decoder recurses, and deep nesting would fail only on a cold process.
		applyStoredUpdate(new Y.Doc({ gc: true }), bytes);
		Y.decodeUpdate(bytes);
		return null;
	} catch (error) {
		return describeDecodeFailure(error);
	}
}

/**
 * Checks that `state` (about to replace the stored snapshot) reads back into exactly `doc`: the
 * same changes (state vector and deletions) and the same content. Throws when it does not, so the
 * previous snapshot stays.
 */
export function verifySnapshot(doc: Y.Doc, state: Uint8Array): void {
	const fresh = new Y.Doc({ gc: true });
	try {
		try {
			Y.applyUpdate(fresh, state);
		} catch (error) {
			throw new Error(`the new snapshot does not read back (${describeDecodeFailure(error)})`);
		}
		if (!Y.equalSnapshots(Y.snapshot(doc), Y.snapshot(fresh)))
			throw new Error('the new snapshot reads back with other changes than the document it was made from');
		if (JSON.stringify(contentOf(doc)) !== JSON.stringify(contentOf(fresh)))
			throw new Error('the new snapshot reads back with other content than the document it was made from');
	} finally {
		fresh.destroy();
	}
}

/**
 * Everything a document shows, for comparing two documents: every top-level type by name, with
 * its keys and its sequence of visible items, nested types included. Independent of how the
 * updates were encoded.
 */
export function contentOf(doc: Y.Doc): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const name of [...doc.share.keys()].sort()) {
		const type = doc.share.get(name);
		if (type) out[name] = contentOfType(type);
	}
	return out;
}

type SharedType = Y.Doc['share'] extends Map<string, infer T> ? T : never;

function contentOfType(type: SharedType): unknown {
	const map: Record<string, unknown> = {};
	for (const key of [...type._map.keys()].sort()) {
		const item = type._map.get(key);
		if (item && !item.deleted) map[key] = contentOfItem(item);
	}
	const list: unknown[] = [];
	for (let item = type._start; item; item = item.right) if (!item.deleted) list.push(contentOfItem(item));
	const name = type instanceof Y.XmlElement ? type.nodeName : undefined;
	return { name, map, list };
}

function contentOfItem(item: Y.Item): unknown {
	const content = item.content;
	if (content instanceof Y.ContentType) return contentOfType(content.type);
	if (content instanceof Y.ContentFormat) return { format: content.key, value: content.value };
	if (content instanceof Y.ContentDoc) return { subdocument: content.doc?.guid ?? null };
	if (content instanceof Y.ContentBinary) return { binary: Array.from(content.content) };
	return content.getContent();
}
