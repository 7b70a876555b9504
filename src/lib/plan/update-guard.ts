import * as Y from 'yjs';
import type { DocumentName } from '$lib/conference/phases';
import {
	AUTHOR_FIELDS,
	DOCUMENT_SHAPES,
	mayChangeItem,
	THEMES,
	type Author,
	type FieldShape,
	type TopLevelShape
} from '$lib/plan/shape';
import {
	assertDecodable,
	readUpdate,
	type ReadLimits,
	type ReadProblem,
	type ReadStruct,
	type ReadUpdate,
	type StructId
} from './update-reader';

/**
 * The update guard: decides, before an update from a socket is stored, whether it may enter the
 * room's document (docs/design.md §3, item 7; §5.2).
 *
 * 1. It reads the update without applying it (update-reader.ts) and refuses one that is malformed
 *    or too big in any direction: structs, clients, delete ranges, nesting.
 * 2. It checks against a scratch copy of the room's document that every struct and deletion the
 *    update brings can be applied now: Yjs would keep the others pending and retry them inside
 *    every later update.
 * 3. It applies the update to that scratch copy and runs the rules on what the update touched:
 *    the documents' shape (src/lib/plan/shape.ts), and, given the sender, who wrote what
 *    (`authorRule`: an authored item belongs to its author).
 *
 * Pure: no database, no network. One guard per room; it follows the room's document by itself.
 */

export type GuardLimits = ReadLimits & {
	/** Clients the room has never seen, in one update. */
	maxNewClients: number;
	/** Delete ranges that delete something not deleted yet (each may split an item: the costly kind). */
	maxNewDeletions: number;
	/** Shared types inside shared types, counted from the top level. */
	maxTypeDepth: number;
	/** The encoded document after the update; beyond it, only small updates and deletions are taken. */
	maxDocumentBytes: number;
	/** An update that adds to a document over `maxDocumentBytes`: keystrokes and a pasted paragraph still pass. */
	maxGrowthWhenFull: number;
	/** A plain string field: an id, a theme, a name. */
	maxFieldLength: number;
};

/**
 * Sized so that a phone's catch-up after an hour of offline typing passes with room to spare
 * (measured: at most 11,000 structs, 1 new client, 1,500 delete ranges, 185 KB; the spec types it),
 * while the worst update within them costs the server well under a second.
 */
export const GUARD_LIMITS: Readonly<GuardLimits> = {
	maxStructs: 50_000,
	maxClients: 256,
	maxNewClients: 64,
	maxDeleteRanges: 100_000,
	maxNewDeletions: 10_000,
	maxClockSpan: 1_000_000,
	maxJsonDepth: 16,
	maxTypeDepth: 32,
	maxDocumentBytes: 4 * 1024 * 1024,
	maxGrowthWhenFull: 16 * 1024,
	maxFieldLength: 1_000
};

export type RefusalRule =
	| ReadProblem
	| 'too-many-new-clients'
	| 'missing-history'
	| 'shape'
	| 'document-too-large'
	| 'not-yours';

/**
 * Why an update is refused. `rule` is fixed text a board can translate; `detail` is for the
 * server's log and never quotes the document.
 */
export type Refusal = { ok: false; rule: RefusalRule; detail: string };

/** A place in a document that an update inserted into or deleted from. */
export type TouchedPlace = {
	change: 'insert' | 'delete';
	/** The top-level part: `agreements`, `concerns`, `monitor`… */
	root: string;
	/** The id of the list item (agreement, concern…) the change is in; null outside list items. */
	itemId: string | null;
	/** The item's field the change is in; null for the item itself or outside list items. */
	field: string | null;
};

export type Admitted = { ok: true; touched: TouchedPlace[] };

/** What a rule may read of the document as it was before the update (the scratch copy holds it after). */
export type DocumentBefore = {
	/** The items of an authored list with this id (all of them), with who wrote them, before the update. */
	authoredItems(root: string, id: string): readonly ItemAuthor[];
};

export type ItemAuthor = { authorId: unknown; authorRole: unknown };

/** What a rule sees: the document before the update (what rules need of it) and after it (the scratch copy, read only). */
export type GuardChange = {
	before: DocumentBefore;
	after: Y.Doc;
	transaction: Y.Transaction;
	/** The live items the update added, in `after`. */
	inserted: Y.Item[];
	touched: TouchedPlace[];
};

export type GuardRule = (change: GuardChange) => Refusal | null;

const GUARD_ORIGIN = Symbol('update-guard');

/** The copy of the document is kept while people type: an idle room lets it go. */
const RELEASE_AFTER_MS = 10_000;

/** Any shared type, whatever events it sends. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the event type differs per Y type
type SharedType = Y.AbstractType<any>;

/** An update this guard admitted, until the room holds it whole. */
type AdmittedUpdate = { update: Uint8Array; applied: boolean };

export class UpdateGuard {
	/**
	 * The room's document plus every update admitted since (some may still be on their way to the
	 * store): the next update is tried on it. After a refusal it is made again from the room and
	 * `admitted`; refusals are rare (an attacker, a broken app), so no second copy is kept for them.
	 */
	private trial: Y.Doc | null = null;
	/**
	 * The admitted updates the room may not hold yet, in the order they were admitted: those still
	 * being stored, and those the room applied while it held structs waiting for a predecessor.
	 */
	private admitted: AdmittedUpdate[] = [];
	/** An upper bound of the encoded size of `trial`, made exact when it nears the limit. */
	private size = 0;
	private readonly shape: Readonly<Record<string, TopLevelShape>>;
	private readonly authoredRoots: string[];
	private readonly shapeRule: GuardRule;

	/** True while the room applies an update admitted here: the copy has it already. */
	private applyingOwn = false;
	private releaseTimer: ReturnType<typeof setTimeout> | null = null;
	/** The transaction that tries an update on the copy, and where it deleted, read before the copy lets the content go. */
	private judged: Y.Transaction | null = null;
	private deletedPlaces: Map<string, TouchedPlace> | null = null;

	constructor(
		private readonly room: Y.Doc,
		document: DocumentName,
		private readonly limits: Readonly<GuardLimits> = GUARD_LIMITS,
		/** An idle room's copy is dropped after this long, and made again by the next update. */
		private readonly releaseAfterMs = RELEASE_AFTER_MS
	) {
		this.shape = DOCUMENT_SHAPES[document];
		this.shapeRule = shapeRule(this.shape, limits);
		this.authoredRoots = Object.keys(this.shape).filter((root) => {
			const top = this.shape[root];
			return top.kind === 'list' && top.authored === true;
		});
		room.on('update', this.follow);
		room.on('destroy', () => this.destroy());
	}

	/** Everything the room applies (from the store, the bus, or admitted here) reaches the copy too. */
	private readonly follow = (update: Uint8Array) => {
		if (!this.trial || this.applyingOwn) return;
		Y.applyUpdate(this.trial, update, GUARD_ORIGIN);
		this.size += update.length;
		this.letGoOfApplied();
	};

	/**
	 * The room applies `update`, which this guard admitted (`apply` calls Y.applyUpdate on the room):
	 * the copy has it already, so it is not applied to it a second time. When the room holds
	 * structs that wait for a predecessor, the update may release them, and the copy follows as
	 * usual; an update the guard forgot since is followed as any other. `update` is the array that
	 * was admitted (updates from different sockets may reach the room in another order than they
	 * were admitted); without it, the oldest admitted update is meant.
	 */
	applyAdmitted(apply: () => void, update?: Uint8Array): void {
		let entry: AdmittedUpdate | undefined;
		for (const admitted of this.admitted)
			if (!admitted.applied && (update === undefined || admitted.update === update)) {
				entry = admitted;
				break;
			}
		const store = this.room.store;
		this.applyingOwn = entry !== undefined && !store.pendingStructs && !store.pendingDs;
		try {
			apply();
		} finally {
			this.applyingOwn = false;
			if (entry) entry.applied = true;
			this.letGoOfApplied();
		}
	}

	/**
	 * Admitted updates the room has applied are no longer needed to make the copy again, once the
	 * room holds nothing pending: then it holds each of them whole.
	 */
	private letGoOfApplied(): void {
		const store = this.room.store;
		const admitted = this.admitted;
		if (admitted.length === 0 || store.pendingStructs || store.pendingDs) return;
		let kept = 0;
		for (const entry of admitted) if (!entry.applied) admitted[kept++] = entry;
		while (admitted.length > kept) admitted.pop();
	}

	/**
	 * The copy of an idle room is dropped once none of its updates is still on its way to the room:
	 * one to two `releaseAfterMs` after the last update (a timer per room that looks back, rather
	 * than a timer moved on by every keystroke).
	 */
	private releaseLater(): void {
		this.usedLately = true;
		if (this.releaseTimer) return;
		this.releaseTimer = setTimeout(this.releaseIfIdle, this.releaseAfterMs);
		this.releaseTimer.unref?.();
	}

	private usedLately = false;

	private readonly releaseIfIdle = (): void => {
		this.releaseTimer = null;
		const idle = !this.usedLately && !this.admitted.some((entry) => !entry.applied);
		if (idle) return this.dropCopy();
		this.releaseLater();
		this.usedLately = false;
	};

	/** Whether the copy exists now (it is made by the first update after a quiet moment). */
	get holdsCopies(): boolean {
		return this.trial !== null;
	}

	private dropCopy(): void {
		this.trial?.destroy();
		this.trial = null;
		this.admitted = [];
	}

	/**
	 * Decides on one update from a socket. Admitted, it counts as part of the room from now on
	 * (so that the same socket's next keystroke, which builds on it, is judged on top of it);
	 * refused, it leaves no trace.
	 */
	admit(update: Uint8Array, rules: GuardRule[] = []): Admitted | Refusal {
		const facts = readUpdateFor(update, this.shape, this.limits);
		if ('ok' in facts) return facts;
		const trial = this.copy();
		const refusedBefore = checkBeforeApplying(facts, trial.store, this.limits);
		if (refusedBefore) return refusedBefore;
		// What the rules read of the document before the update, read while the copy still is that document.
		const before = rules.length > 0 ? documentBefore(trial, this.authoredRoots) : NOTHING_BEFORE;

		let transaction: Y.Transaction | null = null;
		this.deletedPlaces = null;
		try {
			trial.transact((tr) => {
				transaction = this.judged = tr;
				Y.applyUpdate(trial, update, GUARD_ORIGIN);
			}, GUARD_ORIGIN);
		} catch (error) {
			this.rebuild();
			return refuse('malformed', `Yjs could not apply it (${(error as Error).name})`);
		} finally {
			this.judged = null;
		}
		const verdict =
			this.judge(facts, transaction as unknown as Y.Transaction, before, rules) ??
			this.measure(update, transaction as unknown as Y.Transaction);
		if (verdict) {
			this.rebuild();
			return verdict;
		}
		this.admitted.push({ update, applied: false });
		this.releaseLater();
		return { ok: true, touched: this.touched };
	}

	/**
	 * Called by the copy once the update is applied, before Yjs lets deleted content go: where the
	 * update deleted is read now, where that content still is.
	 */
	private readonly beforeObserverCalls = (tr: Y.Transaction) => {
		if (tr === this.judged) this.deletedPlaces = deletedPlaces(tr, this.shape);
	};

	/** The touched places of the update `judge` last admitted. */
	private touched: TouchedPlace[] = [];

	private judge(facts: ReadUpdate, tr: Y.Transaction, before: DocumentBefore, rules: GuardRule[]): Refusal | null {
		const trial = this.trial!;
		const pending = leftPending(facts, trial);
		if (pending) return pending;
		const inserted = insertedItems(tr);
		this.touched = touchedPlaces(inserted, this.deletedPlaces, trial, this.shape);
		const change: GuardChange = { before, after: trial, transaction: tr, inserted, touched: this.touched };
		const shapeRefusal = this.shapeRule(change);
		if (shapeRefusal) return shapeRefusal;
		for (const rule of rules) {
			const refusal = rule(change);
			if (refusal) return refusal;
		}
		return null;
	}

	/** Keeps the size bound; measures exactly only when the bound nears the limit. */
	private measure(update: Uint8Array, tr: Y.Transaction): Refusal | null {
		const size = sizeAfter(this.size, update, tr, this.limits);
		if (typeof size !== 'number') return size;
		this.size = size;
		return null;
	}

	private copy(): Y.Doc {
		if (!this.trial) this.rebuild();
		return this.trial!;
	}

	/** Makes the copy (again): the room's document plus the admitted updates it may not hold yet. */
	private rebuild(): void {
		this.trial?.destroy();
		const state = Y.encodeStateAsUpdate(this.room);
		const trial = integratedCopy(state);
		let size = state.length;
		for (const { update } of this.admitted) {
			Y.applyUpdate(trial, update, GUARD_ORIGIN);
			size += update.length;
		}
		// Each was admitted on top of the ones before it, so nothing waits here; the copy never keeps anything pending.
		trial.store.pendingStructs = null;
		trial.store.pendingDs = null;
		trial.on('beforeObserverCalls', this.beforeObserverCalls);
		this.trial = trial;
		this.size = size;
	}

	/**
	 * Forgets the updates admitted since the room's document was copied: for when one of them will
	 * never reach the room (the store fenced it out). The next update is judged on a fresh copy.
	 */
	forget(): void {
		this.dropCopy();
	}

	destroy(): void {
		this.room.off('update', this.follow);
		if (this.releaseTimer) clearTimeout(this.releaseTimer);
		this.dropCopy();
	}
}

/** Throws when bytes are not a Yjs update; reads without recursion, however deep they nest. */
export function assertWellFormedUpdate(update: Uint8Array): void {
	assertDecodable(update, Infinity);
}

function refuse(rule: RefusalRule, detail: string): Refusal {
	return { ok: false, rule, detail };
}

/** A copy holding only what is integrated: structs Yjs keeps pending are not part of the room. */
export function integratedCopy(state: Uint8Array): Y.Doc {
	const doc = new Y.Doc({ gc: true });
	Y.applyUpdate(doc, state, GUARD_ORIGIN);
	doc.store.pendingStructs = null;
	doc.store.pendingDs = null;
	return doc;
}

/**
 * The bound of the document's encoded size once `tr` applied `update` (exact, measured on
 * `tr.doc`, only when `size` nears the limit), or the refusal of an update that grows it past the limit.
 */
export function sizeAfter(
	size: number,
	update: Uint8Array,
	tr: Y.Transaction,
	limits: Readonly<GuardLimits>
): number | Refusal {
	if (size + update.length <= limits.maxDocumentBytes || update.length <= limits.maxGrowthWhenFull)
		return size + update.length;
	const exact = Y.encodeStateAsUpdate(tr.doc).length;
	if (exact > limits.maxDocumentBytes && grew(tr))
		return refuse('document-too-large', `the document would be ${exact} bytes`);
	return exact;
}

function grew(tr: Y.Transaction): boolean {
	for (const [client, clock] of tr.afterState) if (clock > (tr.beforeState.get(client) ?? 0)) return true;
	return false;
}

/* ---------------------------------------------------------------------------------------------- */
/* Before applying: history, new clients, new deletions, nesting inside the update                */

type Store = Y.Doc['store'];

/** Reads an update without applying it: refused when malformed, too big, or writing into a top-level part `shape` lacks. */
export function readUpdateFor(
	update: Uint8Array,
	shape: Readonly<Record<string, TopLevelShape>>,
	limits: Readonly<GuardLimits>
): ReadUpdate | Refusal {
	const read = readUpdate(update, limits);
	if (!read.ok) return refuse(read.problem, read.detail);
	for (const root of read.update.roots)
		if (!Object.hasOwn(shape, root))
			return refuse('shape', 'it writes into a top-level part this document does not have');
	return read.update;
}

/** Whether the update read in `facts` can be applied whole to the document in `store` now, and stays within the limits. */
export function checkBeforeApplying(facts: ReadUpdate, store: Store, limits: Readonly<GuardLimits>): Refusal | null {
	// What each client's clocks reach once the update's own structs are in, if they follow on.
	const reach = new Map<number, number>();
	let newClients = 0;
	for (const section of facts.clients) {
		let have = Y.getState(store, section.client);
		if (have === 0) newClients++;
		for (const struct of section.structs) {
			if (struct.clock > have) return missing('a struct whose predecessor the room does not have');
			if (struct.kind !== 'skip') have = Math.max(have, struct.clock + struct.length);
		}
		reach.set(section.client, have);
	}
	if (newClients > limits.maxNewClients)
		return refuse('too-many-new-clients', `more than ${limits.maxNewClients} clients the room has not seen`);
	const reached = (client: number) => reach.get(client) ?? Y.getState(store, client);
	const known = (id: StructId) => id.clock < reached(id.client);
	const unknownReference = (struct: ReadStruct, id: StructId | null): Refusal | null => {
		if (id === null) return null;
		if (id.client === struct.client && id.clock >= struct.clock)
			return refuse('malformed', 'a struct that refers to a later one of its own client');
		return known(id) ? null : missing('a struct next to or inside one the room does not have');
	};
	for (const section of facts.clients) {
		for (const struct of section.structs) {
			const refusal =
				unknownReference(struct, struct.origin) ??
				unknownReference(struct, struct.rightOrigin) ??
				unknownReference(struct, struct.parent && 'id' in struct.parent ? struct.parent.id : null);
			if (refusal) return refusal;
		}
	}
	let newDeletions = 0;
	for (const { client, ranges } of facts.deletes) {
		const state = Y.getState(store, client);
		const structs = store.clients.get(client) ?? [];
		let previousEnd = 0;
		for (let i = 0; i < ranges.length; i += 2) {
			const clock = ranges[i];
			const end = clock + ranges[i + 1];
			if (end > reached(client)) return missing('a deletion of something the room does not have');
			// Yjs writes delete ranges sorted and merged; overlapping ones would make it walk the same structs again.
			if (clock < previousEnd) return refuse('malformed', 'delete ranges out of order');
			previousEnd = end;
			if (end > state || deletesSomethingLive(structs, clock, end)) newDeletions++;
		}
		if (newDeletions > limits.maxNewDeletions)
			return refuse('too-many-deletions', `more than ${limits.maxNewDeletions} new deletions`);
	}
	return typeNesting(facts, limits.maxTypeDepth);
}

function missing(detail: string): Refusal {
	return refuse('missing-history', detail);
}

function deletesSomethingLive(structs: (Y.Item | Y.GC)[], clock: number, end: number): boolean {
	if (structs.length === 0 || clock >= end) return false;
	for (let i = Y.findIndexSS(structs, clock); i < structs.length; i++) {
		const struct = structs[i];
		if (struct.id.clock >= end) return false;
		if (!struct.deleted) return true;
	}
	return false;
}

/**
 * How deep the update nests shared types inside each other by itself, counted without recursion.
 * Yjs deletes and collects nested types by recursion: a chain thousands deep must never get in.
 */
function typeNesting(facts: ReadUpdate, maxDepth: number): Refusal | null {
	// Only a shared type can hold anything: an update without one (a keystroke) nests nothing.
	if (!facts.clients.some((section) => section.structs.some((struct) => struct.typeRef !== null))) return null;
	const byClient = new Map<number, ReadStruct[]>();
	for (const section of facts.clients) byClient.set(section.client, section.structs);
	const find = (id: StructId): ReadStruct | null => {
		const structs = byClient.get(id.client);
		if (!structs) return null;
		let low = 0;
		let high = structs.length - 1;
		while (low <= high) {
			const mid = (low + high) >> 1;
			const struct = structs[mid];
			if (id.clock < struct.clock) high = mid - 1;
			else if (id.clock >= struct.clock + struct.length) low = mid + 1;
			else return struct.kind === 'item' ? struct : null;
		}
		return null;
	};
	// The step from a struct towards the type it sits in: through its parent (one level deeper)
	// or through a neighbour (the same level); null when that is outside the update.
	const step = (struct: ReadStruct): { next: ReadStruct; levels: number } | null => {
		if (struct.parent) {
			if (!('id' in struct.parent)) return null;
			const parent = find(struct.parent.id);
			return parent ? { next: parent, levels: 1 } : null;
		}
		const neighbour = (struct.origin && find(struct.origin)) || (struct.rightOrigin && find(struct.rightOrigin));
		return neighbour ? { next: neighbour, levels: 0 } : null;
	};
	/** Depth of the container each struct sits in, relative to the update's outside. */
	const depth = new Map<ReadStruct, number>();
	const path: { struct: ReadStruct; levels: number }[] = [];
	const onPath = new Set<ReadStruct>();
	for (const section of facts.clients) {
		for (const start of section.structs) {
			// Only a shared type can hold anything: the depth of the others does not matter.
			if (start.typeRef === null || depth.has(start)) continue;
			path.length = 0;
			onPath.clear();
			let at: ReadStruct | null = start;
			let base = 0;
			while (at) {
				const known = depth.get(at);
				if (known !== undefined) {
					base = known;
					break;
				}
				if (onPath.has(at)) return refuse('malformed', 'structs that place each other in a circle');
				onPath.add(at);
				const next = step(at);
				path.push({ struct: at, levels: next?.levels ?? 0 });
				at = next?.next ?? null;
			}
			for (let i = path.length - 1; i >= 0; i--) {
				base += path[i].levels;
				depth.set(path[i].struct, base);
				if (base > maxDepth) return refuse('too-deep', `shared types nested more than ${maxDepth} deep`);
			}
		}
	}
	return null;
}

/* ---------------------------------------------------------------------------------------------- */
/* After applying                                                                                 */

/** Every struct and deletion must have been applied: the room must never hold pending ones. */
export function leftPending(facts: ReadUpdate, trial: Y.Doc): Refusal | null {
	const store = trial.store;
	if (store.pendingStructs || store.pendingDs) return missing('parts of it cannot be applied yet');
	for (const section of facts.clients) {
		const state = Y.getState(store, section.client);
		for (const struct of section.structs)
			if (struct.kind !== 'skip' && struct.clock + struct.length > state)
				return missing('parts of it cannot be applied yet');
	}
	return null;
}

/** The live items an update added (merged into older ones or not). */
export function insertedItems(tr: Y.Transaction): Y.Item[] {
	const items: Y.Item[] = [];
	for (const [client, after] of tr.afterState) {
		const before = tr.beforeState.get(client) ?? 0;
		if (after <= before) continue;
		const structs = tr.doc.store.clients.get(client) ?? [];
		for (let i = Y.findIndexSS(structs, before); i < structs.length; i++) {
			const struct = structs[i];
			if (struct instanceof Y.Item && !struct.deleted) items.push(struct);
		}
	}
	return items;
}

/** A place, and whether it is a top-level part, a list item, or inside one of its fields. */
export type Place = { root: string; itemId: string | null; field: string | null; level: 'root' | 'item' | 'field' };

/**
 * Where each type of a document sits: its top-level part, the list item it is in (named by
 * `idOf`) and that item's field. Memoised per type, walked without recursion.
 */
function placeFinder(
	doc: Y.Doc,
	shape: Readonly<Record<string, TopLevelShape>>,
	idOf: (type: SharedType) => string | null
) {
	const places = new Map<SharedType, Place | null>();
	return (type: SharedType): Place | null => {
		const path: SharedType[] = [];
		let at: SharedType | null = type;
		let place: Place | null = null;
		while (at) {
			const known = places.get(at);
			if (known !== undefined) {
				place = known;
				break;
			}
			if (!at._item) {
				const name = rootName(doc, at);
				place =
					name !== undefined && Object.hasOwn(shape, name)
						? { root: name, itemId: null, field: null, level: 'root' }
						: null;
				places.set(at, place);
				break;
			}
			path.push(at);
			at = at._item.parent as SharedType | null;
		}
		for (let i = path.length - 1; i >= 0; i--) {
			const child = path[i];
			if (place?.level === 'root' && shape[place.root].kind === 'list')
				place = { root: place.root, itemId: idOf(child), field: null, level: 'item' };
			else if (place?.level === 'item') place = { ...place, field: child._item!.parentSub, level: 'field' };
			places.set(child, place);
		}
		return place;
	};
}

/** The name of a top-level type of `doc`; undefined for any other type. */
function rootName(doc: Y.Doc, type: SharedType): string | undefined {
	for (const [name, root] of doc.share) if (root === type) return name;
	return undefined;
}

/** A list item's id, as the document holds it now. */
function idNow(type: SharedType): string | null {
	const id = type instanceof Y.Map ? type.get('id') : undefined;
	return typeof id === 'string' ? id : null;
}

/**
 * What a map held at `key` before `tr`, read while `tr` is being cleaned up (its delete set
 * sorted, nothing it deleted collected yet). The value then was the last item of the key's chain
 * that existed before `tr`, if it was not deleted before `tr`.
 */
function valueBefore(type: SharedType, key: string, tr: Y.Transaction): unknown {
	let entry: Y.Item | null = type._map.get(key) ?? null;
	while (entry && entry.id.clock >= (tr.beforeState.get(entry.id.client) ?? 0)) entry = entry.left;
	if (!entry || (entry.deleted && !Y.isDeleted(tr.deleteSet, entry.id))) return undefined;
	return entry.content.getContent()[entry.length - 1];
}

/**
 * Where `tr` deleted content that was there before it, each place as it was before (a list item
 * named by the id it had then). Called before Yjs collects what `tr` deleted.
 */
function deletedPlaces(
	tr: Y.Transaction,
	shape: Readonly<Record<string, TopLevelShape>>
): Map<string, TouchedPlace> | null {
	if (tr.deleteSet.clients.size === 0) return null;
	const touched = new Map<string, TouchedPlace>();
	const placeBefore = itemPlaces(tr.doc, shape, (type) => {
		const id = type instanceof Y.Map ? valueBefore(type, 'id', tr) : undefined;
		return typeof id === 'string' ? id : null;
	});
	for (const [client, deletes] of tr.deleteSet.clients) {
		const structs = tr.doc.store.clients.get(client);
		const state = tr.beforeState.get(client) ?? 0;
		if (!structs) continue;
		for (const { clock, len } of deletes) {
			if (clock >= state) continue;
			for (let i = Y.findIndexSS(structs, clock); i < structs.length && structs[i].id.clock < clock + len; i++) {
				const struct = structs[i];
				// Added by this update (and deleted at once): not part of the document before.
				if (struct.id.clock >= state) break;
				if (struct instanceof Y.Item) addPlace(touched, 'delete', placeBefore(struct));
			}
		}
	}
	return touched;
}

/** Adds a place to `touched` once: keyed by the change and the place. */
export function addPlace(
	touched: Map<string, TouchedPlace>,
	change: TouchedPlace['change'],
	place: Place | null
): void {
	if (!place) return;
	const key = `${change}\u0000${place.root}\u0000${place.itemId}\u0000${place.field}`;
	if (!touched.has(key)) touched.set(key, { change, root: place.root, itemId: place.itemId, field: place.field });
}

/** Where the update inserted (read after it) and deleted (`deleted`, read before it, where the content still was). */
export function touchedPlaces(
	inserted: Y.Item[],
	deleted: Map<string, TouchedPlace> | null,
	after: Y.Doc,
	shape: Readonly<Record<string, TopLevelShape>>
): TouchedPlace[] {
	const placeAfter = itemPlaces(after, shape);
	if (inserted.length === 1 && (!deleted || deleted.size === 0)) {
		// A keystroke: one place, nothing to merge.
		const place = placeAfter(inserted[0]);
		return place ? [{ change: 'insert', root: place.root, itemId: place.itemId, field: place.field }] : [];
	}
	const touched = new Map<string, TouchedPlace>();
	for (const item of inserted) addPlace(touched, 'insert', placeAfter(item));
	if (!deleted || deleted.size === 0) return [...touched.values()];
	for (const [key, place] of deleted) if (!touched.has(key)) touched.set(key, place);
	// A list item deleted as a whole takes its fields with it: that is one change, not one per field.
	const removedItems = new Set<string>();
	for (const place of touched.values())
		if (place.change === 'delete' && place.itemId !== null && place.field === null)
			removedItems.add(`${place.root}\u0000${place.itemId}`);
	return [...touched.values()].filter(
		(place) =>
			place.change !== 'delete' || place.field === null || !removedItems.has(`${place.root}\u0000${place.itemId}`)
	);
}

/**
 * Where each item of `doc` sits: its top-level part, the list item it is in (named by `idOf`) and
 * that item's field; a list item itself is placed at its own id.
 */
export function itemPlaces(
	doc: Y.Doc,
	shape: Readonly<Record<string, TopLevelShape>>,
	idOf: (type: SharedType) => string | null = idNow
): (item: Y.Item) => Place | null {
	const placeOf = placeFinder(doc, shape, idOf);
	return (item) => itemPlace(item, placeOf);
}

/** The place of an item: a list item itself is placed at its own id. */
function itemPlace(item: Y.Item, placeOf: (type: SharedType) => Place | null): Place | null {
	const parent = item.parent as SharedType | null;
	if (!parent) return null;
	if (item.content instanceof Y.ContentType) {
		const own = placeOf(item.content.type as SharedType);
		if (own) return own;
	}
	const place = placeOf(parent);
	if (place?.level === 'item') return { ...place, field: item.parentSub, level: 'field' };
	return place;
}

/* ---------------------------------------------------------------------------------------------- */
/* The author rule                                                                                */

const NOTHING_BEFORE: DocumentBefore = { authoredItems: () => [] };

/**
 * The authored lists' items as they are before the update, by id: read from the copy before the
 * update is applied to it (the update may change or delete what said who wrote them).
 */
function documentBefore(doc: Y.Doc, authoredRoots: readonly string[]): DocumentBefore {
	if (authoredRoots.length === 0) return NOTHING_BEFORE;
	const indexes = new Map<string, Map<string, ItemAuthor[]>>();
	for (const root of authoredRoots) {
		const index = new Map<string, ItemAuthor[]>();
		indexes.set(root, index);
		// Read without `getArray`, which would give the top-level part a type of its own in the copy.
		const list = doc.share.get(root);
		for (let item = list?._start ?? null; item; item = item.right) {
			if (item.deleted || !item.countable || !(item.content instanceof Y.ContentType)) continue;
			const entry = item.content.type;
			if (!(entry instanceof Y.Map)) continue;
			const itemId = entry.get('id');
			if (typeof itemId !== 'string') continue;
			const author = { authorId: entry.get('authorId'), authorRole: entry.get('authorRole') };
			const same = index.get(itemId);
			if (same) same.push(author);
			else index.set(itemId, [author]);
		}
	}
	return { authoredItems: (root, id) => indexes.get(root)?.get(id) ?? [] };
}

/**
 * An item of an authored list (the brief's concerns and conditions) belongs to who wrote it
 * (docs/design.md §3, item 7). A new item must name its sender as author (id, role and name from
 * the session); every item the update changes or removes, read before and after it, must be one
 * `sender` may change (`mayChangeItem`); and who wrote an item never changes. Items are found by
 * their id, all of them: a second item with the same id cannot lend its author to the first.
 */
export function authorRule(shape: Readonly<Record<string, TopLevelShape>>, sender: Author): GuardRule {
	return ({ before, after, touched }) => {
		const indexes = new Map<string, Map<string, Y.Map<unknown>[]>>();
		const itemsAfter = (root: string, id: string): Y.Map<unknown>[] => {
			let index = indexes.get(root);
			if (!index) indexes.set(root, (index = itemsById(after, root)));
			return index.get(id) ?? [];
		};
		for (const place of touched) {
			const top = shape[place.root];
			if (top?.kind !== 'list' || !top.authored || place.itemId === null) continue;
			const existing = before.authoredItems(place.root, place.itemId);
			for (const author of existing)
				if (!mayChangeItem(author, sender))
					return refuse('not-yours', `it changes a ${place.root} item written by someone else`);
			if (existing.length > 0 && place.field !== null && (AUTHOR_FIELDS as readonly string[]).includes(place.field))
				return refuse('not-yours', `it changes who wrote a ${place.root} item`);
			if (existing.length > 0) continue;
			// A new item: its author is its sender, as the server knows the socket.
			for (const item of itemsAfter(place.root, place.itemId)) {
				const authorId = item.get('authorId');
				const authorRole = item.get('authorRole');
				if (authorId !== sender.participantId || authorRole !== sender.role || item.get('by') !== sender.name)
					return refuse('not-yours', `a new ${place.root} item that names another author`);
			}
		}
		return null;
	};
}

/** The items of a top-level list of `doc` by id, all of them: ids are not unique in a hostile update. */
export function itemsById(doc: Y.Doc, root: string): Map<string, Y.Map<unknown>[]> {
	const index = new Map<string, Y.Map<unknown>[]>();
	for (const item of doc.getArray<unknown>(root).toArray()) {
		if (!(item instanceof Y.Map)) continue;
		const itemId = item.get('id');
		if (typeof itemId !== 'string') continue;
		index.set(itemId, [...(index.get(itemId) ?? []), item]);
	}
	return index;
}

/* ---------------------------------------------------------------------------------------------- */
/* The shape rule                                                                                 */

/** Where a type sits in the document's shape, and how deep. */
type Position = (
	| { kind: 'list'; fields: Readonly<Record<string, FieldShape>> }
	| { kind: 'item'; fields: Readonly<Record<string, FieldShape>> }
	| { kind: 'text' }
	| { kind: 'strings' }
	| { kind: 'rich'; element: boolean }
	| { kind: 'run' }
) & { depth: number };

const NODE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const MAX_KEY_LENGTH = 128;

/** Every new item must fit the shape, and no list item may lose a field (it reads only the document after the update). */
export function shapeRule(
	shape: Readonly<Record<string, TopLevelShape>>,
	limits: Readonly<GuardLimits>
): (change: Pick<GuardChange, 'after' | 'transaction' | 'inserted'>) => Refusal | null {
	return ({ after, transaction, inserted }) => {
		const positions = new Map<SharedType, Position | Refusal>();

		const positionOf = (type: SharedType): Position | Refusal => {
			const path: SharedType[] = [];
			let at: SharedType | null = type;
			let position: Position | Refusal | null = null;
			while (at) {
				const known = positions.get(at);
				if (known) {
					position = known;
					break;
				}
				if (!at._item) {
					const name = rootName(after, at);
					position =
						name !== undefined && Object.hasOwn(shape, name)
							? topLevel(shape[name])
							: refuse('shape', 'it writes into a top-level part this document does not have');
					positions.set(at, position);
					break;
				}
				path.push(at);
				if (path.length > limits.maxTypeDepth)
					return refuse('too-deep', `shared types nested more than ${limits.maxTypeDepth} deep`);
				at = at._item.parent as SharedType | null;
			}
			for (let i = path.length - 1; i >= 0 && position && !isRefusal(position); i--) {
				position = childPosition(position, path[i]._item!, limits);
				if (position) positions.set(path[i], position);
			}
			return position ?? refuse('shape', 'it writes into a part that has been removed');
		};

		for (const item of inserted) {
			const parent = positionOf(item.parent as SharedType);
			if (isRefusal(parent)) return parent;
			const own = childPosition(parent, item, limits);
			if (own && isRefusal(own)) return own;
			if (own?.kind === 'item') {
				const type = (item.content as Y.ContentType).type;
				const missingField = Object.keys(own.fields).find(
					(field) => own.fields[field] !== 'optionalString' && !liveField(type, field)
				);
				if (missingField !== undefined) return refuse('shape', `a new item without its field '${missingField}'`);
			}
		}
		// An existing list item keeps every field: the board reads each of them.
		for (const [type, keys] of transaction.changed) {
			if (type._item?.deleted) continue;
			const position = positionOf(type as SharedType);
			if (isRefusal(position) || position.kind !== 'item') continue;
			for (const key of keys)
				if (key !== null && Object.hasOwn(position.fields, key) && !liveField(type, key))
					return refuse('shape', `an item's field '${key}' removed`);
		}
		return null;
	};
}

function isRefusal(value: Position | Refusal): value is Refusal {
	return 'ok' in value;
}

function liveField(type: SharedType, field: string): boolean {
	const value = type._map.get(field);
	return value !== undefined && !value.deleted;
}

function topLevel(shape: TopLevelShape): Position {
	if (shape.kind === 'list') return { kind: 'list', fields: shape.fields, depth: 0 };
	if (shape.kind === 'text') return { kind: 'text', depth: 0 };
	return { kind: 'rich', element: false, depth: 0 };
}

/**
 * Checks one item against the position of the type it is in. Returns the position of the type
 * the item is (a Y.Map in a list, a text in a field…), null for content that is not a type, or
 * why it does not fit.
 */
function childPosition(parent: Position, item: Y.Item, limits: GuardLimits): Position | Refusal | null {
	const content = item.content;
	if (item.deleted || content instanceof Y.ContentDeleted) return null;
	const type = content instanceof Y.ContentType ? (content.type as SharedType) : null;
	const depth = parent.depth + 1;
	if (type && depth > limits.maxTypeDepth)
		return refuse('too-deep', `shared types nested more than ${limits.maxTypeDepth} deep`);
	const key = item.parentSub;
	const wrong = (what: string) => refuse('shape', what);
	switch (parent.kind) {
		case 'list':
			if (key === null && type instanceof Y.Map) return { kind: 'item', fields: parent.fields, depth };
			return wrong('a list holds only its items');
		case 'item': {
			if (key === null || !Object.hasOwn(parent.fields, key)) return wrong('an item field the shape does not know');
			const position = fieldPosition(parent.fields[key], content, type, depth, limits);
			return position === undefined ? wrong(`an item's field '${key}' of the wrong kind`) : position;
		}
		case 'text':
			if (key === null && content instanceof Y.ContentString) return null;
			return wrong('a text holds only characters');
		case 'strings':
			if (key === null && content instanceof Y.ContentAny && content.arr.every((v) => isShortString(v, limits)))
				return null;
			return wrong('a list of names holds only short strings');
		case 'rich':
			if (key !== null) {
				if (
					parent.element &&
					content instanceof Y.ContentAny &&
					content.arr.length === 1 &&
					key.length <= MAX_KEY_LENGTH
				)
					return null;
				return wrong('rich text with attributes it cannot have');
			}
			if (type instanceof Y.XmlElement && NODE_NAME.test(type.nodeName)) return { kind: 'rich', element: true, depth };
			if (type instanceof Y.XmlText) return { kind: 'run', depth };
			return wrong('rich text holds only elements and text');
		case 'run':
			if (key === null && content instanceof Y.ContentString) return null;
			if (key === null && content instanceof Y.ContentFormat && content.key.length <= MAX_KEY_LENGTH) return null;
			return wrong('rich text with content it cannot have');
	}
}

function fieldPosition(
	field: FieldShape,
	content: Y.Item['content'],
	type: SharedType | null,
	depth: number,
	limits: GuardLimits
): Position | null | undefined {
	switch (field) {
		case 'string':
		case 'optionalString':
			return content instanceof Y.ContentAny && content.arr.length === 1 && isShortString(content.arr[0], limits)
				? null
				: undefined;
		case 'theme':
			return content instanceof Y.ContentAny &&
				content.arr.length === 1 &&
				(THEMES as readonly unknown[]).includes(content.arr[0])
				? null
				: undefined;
		case 'text':
			// Y.XmlText is a Y.Text too; a plain field is only the plain kind.
			return type instanceof Y.Text && !(type instanceof Y.XmlText) ? { kind: 'text', depth } : undefined;
		case 'strings':
			return type instanceof Y.Array ? { kind: 'strings', depth } : undefined;
		case 'richText':
			// Y.XmlElement is a Y.XmlFragment too; the field holds a fragment.
			return type instanceof Y.XmlFragment && !(type instanceof Y.XmlElement)
				? { kind: 'rich', element: false, depth }
				: undefined;
	}
}

function isShortString(value: unknown, limits: GuardLimits): boolean {
	return typeof value === 'string' && value.length <= limits.maxFieldLength;
}
