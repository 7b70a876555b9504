import * as Y from 'yjs';
import type { DocumentName } from '$lib/conference/phases';
import { DOCUMENT_SHAPES, type TopLevelShape } from '$lib/plan/shape';
import {
	addPlace,
	checkBeforeApplying,
	GUARD_LIMITS,
	insertedItems,
	integratedCopy,
	itemPlaces,
	itemsById,
	leftPending,
	readUpdateFor,
	shapeRule,
	sizeAfter,
	touchedPlaces,
	type Admitted,
	type DocumentBefore,
	type GuardChange,
	type GuardLimits,
	type GuardRule,
	type Refusal,
	type TouchedPlace
} from '$lib/plan/update-guard';
import type { ReadUpdate } from '$lib/plan/update-reader';

/*
 * The reference for src/lib/plan/update-guard.ts: the update guard as it was when it kept two
 * copies of a room's document (an admitted-state copy `base` and a trial copy, every admitted update
 * applied to both, the trial copy made again from `base` after a refusal), with "before" read from
 * `base`: where the update deleted, and who wrote the authored lists' items. Only that bookkeeping and
 * that reading are stated here; the reading of updates, the checks and the rules are the guard's own.
 * update-guard-agrees.spec.ts compares verdicts.
 */

/** The author rule is the guard's; what it reads as "before" is `base` (see `authorsIn`). */
export { authorRule } from '$lib/plan/update-guard';

const REFERENCE_ORIGIN = Symbol('reference-update-guard');

/** Two copies of the document per room, kept while people type: an idle room lets them go. */
const RELEASE_AFTER_MS = 10_000;

export class UpdateGuard {
	/** The room's document plus every update admitted since (some may still be on their way to the store). */
	private base: Y.Doc | null = null;
	/** A copy of `base` on which the next update is tried; rebuilt from `base` after a refusal. */
	private trial: Y.Doc | null = null;
	/** An upper bound of the encoded size of `base`, made exact when it nears the limit. */
	private size = 0;
	private readonly shape: Readonly<Record<string, TopLevelShape>>;

	/** Admitted updates the room has not applied yet: while there are any, only the copies hold them. */
	private outstanding = 0;
	/** True while the room applies an update admitted here: the copies have it already. */
	private applyingOwn = false;
	private releaseTimer: ReturnType<typeof setTimeout> | null = null;
	/** The touched places of the update `judge` last admitted. */
	private touched: TouchedPlace[] = [];

	private readonly limits: Readonly<GuardLimits> = GUARD_LIMITS;

	constructor(
		private readonly room: Y.Doc,
		document: DocumentName
	) {
		this.shape = DOCUMENT_SHAPES[document];
		room.on('update', this.follow);
		room.on('destroy', () => this.destroy());
	}

	/** Everything the room applies (from the store, the bus, or admitted here) reaches the copies too. */
	private readonly follow = (update: Uint8Array) => {
		if (!this.base || this.applyingOwn) return;
		Y.applyUpdate(this.base, update, REFERENCE_ORIGIN);
		Y.applyUpdate(this.trial!, update, REFERENCE_ORIGIN);
		this.size += update.length;
	};

	/**
	 * The room applies an update this guard admitted (`apply` calls Y.applyUpdate on the room): the
	 * copies have it already, so it is not applied to them a second time. When the room holds
	 * structs that wait for a predecessor, the update may release them, and the copies follow as usual.
	 */
	applyAdmitted(apply: () => void): void {
		const store = this.room.store;
		this.applyingOwn = !store.pendingStructs && !store.pendingDs;
		try {
			apply();
		} finally {
			this.applyingOwn = false;
			if (this.outstanding > 0) this.outstanding--;
		}
	}

	/** Copies of an idle room are dropped once none of their updates is still on its way to the room. */
	private releaseLater(): void {
		if (this.releaseTimer) {
			this.releaseTimer.refresh();
			return;
		}
		this.releaseTimer = setTimeout(() => {
			this.releaseTimer = null;
			if (this.outstanding > 0) return this.releaseLater();
			this.dropCopies();
		}, RELEASE_AFTER_MS);
		this.releaseTimer.unref?.();
	}

	/** Whether the copies exist now (they are made by the first update after a quiet moment). */
	get holdsCopies(): boolean {
		return this.base !== null;
	}

	private dropCopies(): void {
		this.base?.destroy();
		this.trial?.destroy();
		this.base = this.trial = null;
	}

	/** Decides on one update from a socket; admitted, it is applied to both copies, refused, to neither. */
	admit(update: Uint8Array, rules: GuardRule[] = []): Admitted | Refusal {
		const facts = readUpdateFor(update, this.shape, this.limits);
		if ('ok' in facts) return facts;
		const { base, trial } = this.scratch();
		const refusedBefore = checkBeforeApplying(facts, trial.store, this.limits);
		if (refusedBefore) return refusedBefore;

		let transaction: Y.Transaction | null = null;
		try {
			trial.transact((tr) => {
				transaction = tr;
				Y.applyUpdate(trial, update, REFERENCE_ORIGIN);
			}, REFERENCE_ORIGIN);
		} catch (error) {
			this.rebuild();
			return { ok: false, rule: 'malformed', detail: `Yjs could not apply it (${(error as Error).name})` };
		}
		const tr = transaction as unknown as Y.Transaction;
		const size = sizeAfter(this.size, update, tr, this.limits);
		const verdict = this.judge(facts, tr, rules) ?? (typeof size === 'number' ? null : size);
		if (verdict) {
			this.rebuild();
			return verdict;
		}
		this.size = size as number;
		Y.applyUpdate(base, update, REFERENCE_ORIGIN);
		this.outstanding++;
		this.releaseLater();
		return { ok: true, touched: this.touched };
	}

	/** The rules on the update applied to `trial`, with "before" read from `base`. */
	private judge(facts: ReadUpdate, tr: Y.Transaction, rules: GuardRule[]): Refusal | null {
		const pending = leftPending(facts, this.trial!);
		if (pending) return pending;
		const inserted = insertedItems(tr);
		this.touched = touchedPlaces(inserted, deletedPlacesIn(this.base!, tr, this.shape), this.trial!, this.shape);
		const change: GuardChange = {
			before: authorsIn(this.base!),
			after: this.trial!,
			transaction: tr,
			inserted,
			touched: this.touched
		};
		let refusal: Refusal | null = null;
		for (const rule of [shapeRule(this.shape, this.limits), ...rules]) refusal ??= rule(change);
		return refusal;
	}

	private scratch(): { base: Y.Doc; trial: Y.Doc } {
		if (!this.base) {
			const state = Y.encodeStateAsUpdate(this.room);
			this.base = integratedCopy(state);
			this.trial = integratedCopy(state);
			this.size = state.length;
		}
		return { base: this.base, trial: this.trial! };
	}

	private rebuild(): void {
		const state = Y.encodeStateAsUpdate(this.base!);
		this.trial!.destroy();
		this.trial = integratedCopy(state);
		this.size = state.length;
	}

	/** Forgets the updates admitted since the room's document was copied. */
	forget(): void {
		this.outstanding = 0;
		this.dropCopies();
	}

	destroy(): void {
		this.room.off('update', this.follow);
		if (this.releaseTimer) clearTimeout(this.releaseTimer);
		this.dropCopies();
	}
}

/** Where `tr` deleted, read from `before`, the copy the update was not applied to. */
function deletedPlacesIn(
	before: Y.Doc,
	tr: Y.Transaction,
	shape: Readonly<Record<string, TopLevelShape>>
): Map<string, TouchedPlace> {
	const deleted = new Map<string, TouchedPlace>();
	const placeBefore = itemPlaces(before, shape);
	for (const [client, deletes] of tr.deleteSet.clients) {
		const structs = before.store.clients.get(client);
		if (!structs) continue;
		const state = Y.getState(before.store, client);
		for (const { clock, len } of deletes) {
			if (clock >= state) continue;
			for (let i = Y.findIndexSS(structs, clock); i < structs.length && structs[i].id.clock < clock + len; i++) {
				const struct = structs[i];
				if (struct instanceof Y.Item) addPlace(deleted, 'delete', placeBefore(struct));
			}
		}
	}
	return deleted;
}

/** Who wrote the items of the authored lists, read (when a rule asks) from `before`, the copy the update was not applied to. */
function authorsIn(before: Y.Doc): DocumentBefore {
	const indexes = new Map<string, Map<string, Y.Map<unknown>[]>>();
	return {
		authoredItems: (root, id) => {
			let index = indexes.get(root);
			if (!index) indexes.set(root, (index = itemsById(before, root)));
			return (index.get(id) ?? []).map((item) => ({
				authorId: item.get('authorId'),
				authorRole: item.get('authorRole')
			}));
		}
	};
}
