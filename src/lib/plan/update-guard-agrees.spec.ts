import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import type { DocumentName } from '$lib/conference/phases';
import {
	agreementsOf,
	concernsOf,
	conditionsOf,
	createAgreement,
	createBriefItem,
	createGroundRule,
	createReaction,
	DOCUMENT_SHAPES,
	groundRulesOf,
	informationOf,
	metaText,
	reactionsOf,
	type Author
} from '$lib/plan/shape';
import {
	deletionUpdate,
	gapUpdate,
	missingPredecessorUpdate,
	nestedTypesUpdate
} from '../../../tests/support/hostile-updates';
import {
	authorRule as referenceAuthorRule,
	UpdateGuard as ReferenceGuard
} from '../../../tests/support/reference-update-guard';
import { authorRule, UpdateGuard, type Admitted, type Refusal } from './update-guard';

/**
 * The guard keeps one copy of a room's document, and makes it again from the room and the updates
 * it admitted that the room may not hold yet whenever it refuses one. Whatever order updates are
 * admitted, refused, stored, fenced out and applied in, its verdict on each update must be the one
 * a guard judging on a fresh copy of that moment would give: the room's document plus every update
 * admitted (since the last `forget`) that the room has not applied. The fresh copy is judged by the
 * guard as it was before it kept one copy (three applies per update: tests/support/reference-update-guard.ts).
 */

const AUTHORS: Author[] = [
	{ participantId: 'p-jeugdzorg', role: 'professional', name: 'Jeugdzorg' },
	{ participantId: 'p-reclassering', role: 'professional', name: 'Reclassering' },
	{ participantId: 'p-anna', role: 'family', name: 'Anna' },
	{ participantId: 'p-piet', role: 'family', name: 'Piet' }
];

/** A small seeded generator (mulberry32): a failing sequence can be run again by its seed. */
function random(seed: number) {
	let state = seed >>> 0;
	const next = () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	const int = (n: number) => Math.floor(next() * n);
	return { next, int, pick: <T>(items: readonly T[]): T => items[int(items.length)] };
}
type Random = ReturnType<typeof random>;

type Edit = (doc: Y.Doc, rnd: Random, author: Author) => void;

const pickItem = (list: Y.Array<Y.Map<unknown>>, rnd: Random) =>
	list.length === 0 ? null : (list.get(rnd.int(list.length)) as Y.Map<unknown>);

function typeInto(text: Y.Text | undefined, rnd: Random): void {
	if (!(text instanceof Y.Text)) return;
	if (text.length > 3 && rnd.next() < 0.3) text.delete(rnd.int(text.length - 1), 1 + rnd.int(2));
	else text.insert(rnd.int(text.length + 1), rnd.pick(['a', 'b', 'ij', 'é', ' ']));
}

/** Edits a phone of the brief makes: honest ones, and what a hostile or broken one could send. */
const BRIEF_EDITS: Edit[] = [
	(doc, rnd, author) => concernsOf(doc).push([createBriefItem({ author, text: 'zorg' })]),
	(doc, rnd, author) => conditionsOf(doc).push([createBriefItem({ author, text: 'voorwaarde' })]),
	(doc, rnd) => typeInto(pickItem(concernsOf(doc), rnd)?.get('text') as Y.Text, rnd),
	(doc, rnd) => typeInto(pickItem(concernsOf(doc), rnd)?.get('text') as Y.Text, rnd),
	(doc, rnd) => typeInto(pickItem(conditionsOf(doc), rnd)?.get('text') as Y.Text, rnd),
	(doc, rnd) => pickItem(concernsOf(doc), rnd)?.set('theme', rnd.pick(['school', 'money', 'nothing'])),
	(doc, rnd) => {
		const list = rnd.pick([concernsOf(doc), conditionsOf(doc)]);
		if (list.length > 0) list.delete(rnd.int(list.length), 1);
	},
	// Hostile: another author, another item's id, a changed author, a changed id.
	(doc, rnd) => concernsOf(doc).push([createBriefItem({ author: rnd.pick(AUTHORS), text: 'namens' })]),
	(doc, rnd, author) => {
		const other = pickItem(concernsOf(doc), rnd);
		const twin = createBriefItem({ author, text: 'tweeling' });
		if (other) twin.set('id', String(other.get('id')));
		concernsOf(doc).push([twin]);
	},
	(doc, rnd, author) => pickItem(concernsOf(doc), rnd)?.set(rnd.pick(['authorId', 'by']), author.participantId),
	(doc, rnd) => {
		const item = pickItem(concernsOf(doc), rnd);
		const other = pickItem(conditionsOf(doc), rnd) ?? pickItem(concernsOf(doc), rnd);
		item?.set('id', rnd.next() < 0.5 && other ? String(other.get('id')) : 'fresh-id-' + rnd.int(1000));
	},
	(doc, rnd) => {
		const item = pickItem(concernsOf(doc), rnd);
		// One update that retypes and re-authors, or removes a field.
		doc.transact(() => {
			typeInto(item?.get('text') as Y.Text, rnd);
			if (rnd.next() < 0.5) item?.set('authorRole', 'family');
			else item?.delete('theme');
		});
	},
	(doc, rnd, author) => {
		const item = pickItem(concernsOf(doc), rnd);
		if (item) reactionsOf(doc).push([createReaction({ item: String(item.get('id')), author, text: 'ja' })]);
	},
	(doc, rnd) => typeInto(pickItem(reactionsOf(doc), rnd)?.get('text') as Y.Text, rnd),
	(doc) => {
		const paragraph = new Y.XmlElement('paragraph');
		informationOf(doc).insert(0, [paragraph]);
		paragraph.insert(0, [new Y.XmlText('info')]);
	},
	(doc, rnd) => {
		const first = informationOf(doc).get(0);
		const text = first instanceof Y.XmlElement ? first.get(0) : null;
		if (text instanceof Y.XmlText) typeInto(text, rnd);
	},
	(doc, rnd) => {
		// Deletes an item and, in the same update, adds one in its place.
		const list = concernsOf(doc);
		doc.transact(() => {
			if (list.length > 0) list.delete(rnd.int(list.length), 1);
			list.push([createBriefItem({ author: rnd.pick(AUTHORS), text: 'vervangen' })]);
		});
	}
];

/** Edits a phone of the plan makes: honest ones, and what a hostile or broken one could send. */
const PLAN_EDITS: Edit[] = [
	(doc) => agreementsOf(doc).push([createAgreement({ createdBy: 'Anna' })]),
	(doc, rnd) => typeInto(pickItem(agreementsOf(doc), rnd)?.get('when') as Y.Text, rnd),
	(doc, rnd) => typeInto(pickItem(agreementsOf(doc), rnd)?.get('checkedBy') as Y.Text, rnd),
	(doc, rnd) => typeInto(metaText(doc, rnd.pick(['monitor', 'evaluation', 'contingency'] as const)), rnd),
	(doc, rnd) => typeInto(metaText(doc, 'monitor'), rnd),
	(doc, rnd) => (pickItem(agreementsOf(doc), rnd)?.get('who') as Y.Array<string> | undefined)?.push(['Oma']),
	(doc, rnd) => pickItem(agreementsOf(doc), rnd)?.set('theme', rnd.pick(['school', 'work', 'toString'])),
	(doc, rnd) => pickItem(agreementsOf(doc), rnd)?.set('deletedAt', rnd.pick(['', '2026-11-30'])),
	(doc, rnd) => {
		const list = agreementsOf(doc);
		if (list.length > 0) list.delete(rnd.int(list.length), 1);
	},
	(doc) => groundRulesOf(doc).push([createGroundRule('uitpraten')]),
	(doc, rnd) => typeInto(pickItem(groundRulesOf(doc), rnd)?.get('text') as Y.Text, rnd),
	(doc, rnd) => {
		const text = pickItem(agreementsOf(doc), rnd)?.get('text');
		if (!(text instanceof Y.XmlFragment)) return;
		if (text.length === 0 || rnd.next() < 0.3) {
			const paragraph = new Y.XmlElement('paragraph');
			text.insert(0, [paragraph]);
			paragraph.insert(0, [new Y.XmlText('x')]);
		} else {
			const run = (text.get(0) as Y.XmlElement).get(0);
			if (run instanceof Y.XmlText) typeInto(run, rnd);
		}
	},
	// Hostile or broken: a field removed, a field of the wrong kind, a field the shape does not know.
	(doc, rnd) => pickItem(agreementsOf(doc), rnd)?.delete(rnd.pick(['who', 'onBehalfOf'])),
	(doc, rnd) => pickItem(agreementsOf(doc), rnd)?.set('when', 'morgen'),
	(doc, rnd) => pickItem(agreementsOf(doc), rnd)?.set(rnd.pick(['secret', 'onBehalfOf']), 'x'),
	(doc, rnd) => pickItem(agreementsOf(doc), rnd)?.set('id', 'new-id-' + rnd.int(100)),
	(doc, rnd) => metaText(doc, 'evaluation').insert(0, 'x', rnd.next() < 0.5 ? { bold: true } : undefined)
];

/** Updates not made by editing: each is refused before or after it is tried. */
const RAW: ((phone: Y.Doc, rnd: Random) => Uint8Array)[] = [
	(phone) => gapUpdate(phone.clientID, Y.getState(phone.store, phone.clientID) + 5),
	(phone, rnd) => missingPredecessorUpdate({ client: phone.clientID + 1, clock: rnd.int(3) }),
	(phone) => deletionUpdate([{ client: phone.clientID, clock: Y.getState(phone.store, phone.clientID), length: 2 }]),
	() => nestedTypesUpdate(40)
];

type Phone = { doc: Y.Doc; author: Author; updates: Uint8Array[] };
type InFlight = { update: Uint8Array; phone: Phone };

function verdictOf(verdict: Admitted | Refusal) {
	if (!verdict.ok) return { ok: false, rule: verdict.rule, detail: verdict.detail };
	const touched = verdict.touched.map((place) => `${place.change} ${place.root} ${place.itemId} ${place.field}`);
	return { ok: true, touched: touched.sort() };
}

/** Runs one generated sequence; returns how many updates were judged and how many refused. */
function runSequence(document: DocumentName, seed: number, steps: number, releaseMs: number) {
	const rnd = random(seed);
	const edits = document === 'brief' ? BRIEF_EDITS : PLAN_EDITS;
	const room = new Y.Doc();
	const guard = new UpdateGuard(room, document, undefined, releaseMs);
	/** What a fresh copy must hold besides the room: admitted since the last `forget`, not applied yet. */
	let unapplied: Uint8Array[] = [];
	/** What each socket's store has not handed back to the room yet, in the socket's order. */
	const inFlight: InFlight[] = [];
	/** Another instance's phone: its updates reach the room over the bus, sometimes out of order. */
	const remote = new Y.Doc();
	const remoteUpdates: Uint8Array[] = [];
	remote.on('update', (update: Uint8Array) => remoteUpdates.push(update));
	const freshPhone = (author: Author): Phone => {
		const doc = new Y.Doc();
		Y.applyUpdate(doc, Y.encodeStateAsUpdate(room), 'room');
		const phone: Phone = { doc, author, updates: [] };
		doc.on('update', (update: Uint8Array, origin: unknown) => {
			if (origin !== 'room') phone.updates.push(update);
		});
		return phone;
	};
	const phones = AUTHORS.slice(0, 2 + rnd.int(3)).map(freshPhone);
	let judged = 0;
	let refused = 0;

	const judge = (phone: Phone, update: Uint8Array) => {
		const rules = [authorRule(DOCUMENT_SHAPES[document], phone.author)];
		const verdict = guard.admit(update, rules);
		const reference = referenceVerdict(room, unapplied, document, update, [
			referenceAuthorRule(DOCUMENT_SHAPES[document], phone.author)
		]);
		judged++;
		expect(verdictOf(verdict), `seed ${seed}, update ${judged}`).toEqual(verdictOf(reference));
		if (verdict.ok) {
			unapplied.push(update);
			inFlight.push({ update, phone });
		} else {
			refused++;
			// The socket is closed; the board opens the document afresh from the room's.
			phones[phones.indexOf(phone)] = freshPhone(phone.author);
		}
	};

	for (let step = 0; step < steps; step++) {
		const roll = rnd.next();
		const phone = rnd.pick(phones);
		if (roll < 0.45) {
			rnd.pick(edits)(phone.doc, rnd, phone.author);
			// An edit that changed nothing sends nothing.
			const made = phone.updates.splice(0);
			if (made.length > 0) judge(phone, made.length === 1 ? made[0] : Y.mergeUpdates(made));
		} else if (roll < 0.5) {
			judge(phone, rnd.pick(RAW)(phone.doc, rnd));
		} else if (roll < 0.75 && inFlight.length > 0) {
			// Stored: the room applies the oldest update of one socket (sockets are served in any order).
			const owner = rnd.pick(inFlight).phone;
			const { update } = inFlight.splice(
				inFlight.findIndex((entry) => entry.phone === owner),
				1
			)[0];
			guard.applyAdmitted(() => Y.applyUpdate(room, update, 'socket'), update);
			unapplied = unapplied.filter((entry) => entry !== update);
		} else if (roll < 0.79 && inFlight.length > 0) {
			// Fenced out: that update never reaches the room; the others may still be stored.
			inFlight.splice(rnd.int(inFlight.length), 1);
			guard.forget();
			unapplied = [];
		} else if (roll < 0.88) {
			// Another instance: its phone types on what it has, and the bus may deliver out of order.
			Y.applyUpdate(remote, Y.encodeStateAsUpdate(room, Y.encodeStateVector(remote)), 'room');
			rnd.pick(edits)(remote, rnd, rnd.pick(AUTHORS));
			if (remoteUpdates.length > 0 && rnd.next() < 0.7) {
				const at = remoteUpdates.length > 1 && rnd.next() < 0.3 ? 1 : 0;
				Y.applyUpdate(room, remoteUpdates.splice(at, 1)[0], 'bus');
			}
		} else if (roll < 0.95) {
			// The room sends what it applied to every phone.
			for (const each of phones)
				Y.applyUpdate(each.doc, Y.encodeStateAsUpdate(room, Y.encodeStateVector(each.doc)), 'room');
		} else {
			// A quiet moment: an idle guard lets its copy go.
			vi.advanceTimersByTime(releaseMs + 1);
		}
	}
	guard.destroy();
	return { judged, refused };
}

function referenceVerdict(
	room: Y.Doc,
	unapplied: Uint8Array[],
	document: DocumentName,
	update: Uint8Array,
	rules: Parameters<ReferenceGuard['admit']>[1]
): Admitted | Refusal {
	const fresh = new Y.Doc();
	Y.applyUpdate(fresh, Y.encodeStateAsUpdate(room));
	// Structs the room keeps waiting for a predecessor are not part of it.
	fresh.store.pendingStructs = null;
	fresh.store.pendingDs = null;
	for (const update of unapplied) Y.applyUpdate(fresh, update);
	const guard = new ReferenceGuard(fresh, document);
	const verdict = guard.admit(update, rules) as Admitted | Refusal;
	guard.destroy();
	fresh.destroy();
	return verdict;
}

describe('the update guard judges as a fresh copy would', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	for (const document of ['brief', 'plan'] as const) {
		it(`the ${document}: generated sequences of honest and hostile updates, stored, refused, fenced out and applied in any order`, () => {
			let judged = 0;
			let refused = 0;
			for (let seed = 1; seed <= 200; seed++) {
				const outcome = runSequence(document, seed * 7919 + (document === 'brief' ? 1 : 2), 60, 50);
				judged += outcome.judged;
				refused += outcome.refused;
			}
			// The sequences exercise both sides of every verdict.
			expect(judged).toBeGreaterThan(3_000);
			expect(refused).toBeGreaterThan(judged / 10);
		}, 120_000);
	}
});
