import { getSchema } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocumentName } from '$lib/conference/phases';
import {
	agreementsOf,
	concernsOf,
	conditionsOf,
	createAgreement,
	createBriefItem,
	createGroundRule,
	groundRulesOf,
	informationOf,
	metaText
} from '$lib/plan/shape';
import {
	bigInsertUpdate,
	deletionUpdate,
	editedWith,
	gapUpdate,
	gcStructsUpdate,
	longDeletedUpdate,
	manyClientsUpdate,
	missingPredecessorUpdate,
	nestedArrayUpdate,
	nestedTypesUpdate,
	pendingDeletesUpdate,
	scatteredDeletesUpdate,
	strangerId
} from '../../../tests/support/hostile-updates';
import { addAgreement, typeForAnHour } from '../../../tests/support/edits';
import { applyStoredUpdate, UnreadableUpdateError } from './update-reader';
import { assertWellFormedUpdate, authorRule, UpdateGuard, type RefusalRule } from './update-guard';
import { DOCUMENT_SHAPES, type Author } from '$lib/plan/shape';

const JEUGDZORG: Author = { participantId: 'p-jeugdzorg', role: 'professional', name: 'Jeugdzorg' };
const RECLASSERING: Author = { participantId: 'p-reclassering', role: 'professional', name: 'Reclassering' };
const ANNA: Author = { participantId: 'p-anna', role: 'family', name: 'Anna' };
const PIET: Author = { participantId: 'p-piet', role: 'family', name: 'Piet' };

/**
 * A room's document with its guard, and phones that edit with Yjs: every update a phone makes
 * goes through the guard, and into the room only when admitted, as the live server does.
 */
function liveRoom(document: DocumentName = 'plan') {
	const room = new Y.Doc();
	const guard = new UpdateGuard(room, document);
	const refusals: string[] = [];
	const phone = (state: Uint8Array = Y.encodeStateAsUpdate(room)) => {
		const doc = new Y.Doc();
		Y.applyUpdate(doc, state, 'room');
		doc.on('update', (update: Uint8Array, origin: unknown) => {
			if (origin === 'room') return;
			const verdict = guard.admit(update);
			if (verdict.ok) Y.applyUpdate(room, update);
			else refusals.push(`${verdict.rule}: ${verdict.detail}`);
		});
		return doc;
	};
	return { room, guard, refusals, phone };
}

/** Thirty agreements typed key by key on six phones, ground rules, the plan-wide fields. */
function thirtyCardPlan() {
	const live = liveRoom('plan');
	const phones = Array.from({ length: 6 }, () => live.phone());
	const sync = () => {
		for (const phone of phones)
			Y.applyUpdate(phone, Y.encodeStateAsUpdate(live.room, Y.encodeStateVector(phone)), 'room');
	};
	for (let card = 0; card < 30; card++) {
		const phone = phones[card % phones.length];
		addAgreement(phone, '', { theme: 'work', createdBy: `Telefoon ${card % 6}` });
		const agreement = agreementsOf(phone).get(agreementsOf(phone).length - 1);
		const text = ((agreement.get('text') as Y.XmlFragment).get(0) as Y.XmlElement).get(0) as Y.XmlText;
		for (const char of 'Oma haalt Noor elke woensdag op van school') text.insert(text.length, char);
		for (const char of 'woensdag 15:00')
			(agreement.get('when') as Y.Text).insert((agreement.get('when') as Y.Text).length, char);
		(agreement.get('who') as Y.Array<string>).push(['Oma', 'Noor']);
		sync();
	}
	groundRulesOf(phones[0]).push([createGroundRule('We laten elkaar uitpraten')]);
	metaText(phones[1], 'monitor').insert(0, 'Oom Kees');
	sync();
	return { ...live, phones, sync };
}

describe('what a family writes passes the guard', () => {
	it('agreements with rich text, who, when and answers; ground rules; the plan-wide fields; and taking them away again', () => {
		const { room, refusals, phone } = liveRoom('plan');
		const anna = phone();
		const id = addAgreement(anna, 'Oma haalt Noor op', { theme: 'upbringing', createdBy: 'Anna' });
		const agreement = agreementsOf(anna).get(0);
		(agreement.get('when') as Y.Text).insert(0, 'elke woensdag');
		(agreement.get('who') as Y.Array<string>).push(['Oma', 'Noor']);
		(agreement.get('answers') as Y.Array<string>).push(['0123456789abcdef']);
		agreement.set('theme', 'school');
		(agreement.get('who') as Y.Array<string>).delete(0, 1);
		groundRulesOf(anna).push([createGroundRule('We laten elkaar uitpraten')]);
		for (const field of ['monitor', 'evaluation', 'contingency'] as const) metaText(anna, field).insert(0, 'Oom Kees');
		metaText(anna, 'monitor').delete(0, 4);
		groundRulesOf(anna).delete(0, 1);
		agreementsOf(anna).delete(0, 1);
		expect(refusals).toEqual([]);
		expect(Y.encodeStateVector(room)).toEqual(Y.encodeStateVector(anna));
		expect(id).toMatch(/^[0-9a-f]{16}$/);
	});

	it('the brief: concerns, conditions, and the information as Tiptap writes it (headings, marks, nested lists, breaks)', () => {
		const { refusals, phone } = liveRoom('brief');
		const staff = phone();
		concernsOf(staff).push([createBriefItem({ author: JEUGDZORG, theme: 'upbringing', text: 'Noor verzuimt' })]);
		const schema = getSchema([
			StarterKit.configure({
				undoRedo: false,
				heading: { levels: [3] },
				code: false,
				codeBlock: false,
				horizontalRule: false,
				link: false
			})
		]);
		const paragraph = (text: string, marks: string[] = []) => ({
			type: 'paragraph',
			content: [{ type: 'text', text, marks: marks.map((type) => ({ type })) }]
		});
		staff.transact(() =>
			prosemirrorJSONToYXmlFragment(
				schema,
				{
					type: 'doc',
					content: [
						{ type: 'heading', attrs: { level: 3 }, content: [{ type: 'text', text: 'Hulp' }] },
						{ ...paragraph('vet en schuin', ['bold', 'italic', 'underline', 'strike']) },
						{
							type: 'paragraph',
							content: [{ type: 'text', text: 'regel' }, { type: 'hardBreak' }, { type: 'text', text: 'twee' }]
						},
						{
							type: 'bulletList',
							content: [
								{
									type: 'listItem',
									content: [
										paragraph('een'),
										{ type: 'bulletList', content: [{ type: 'listItem', content: [paragraph('twee')] }] }
									]
								}
							]
						},
						{ type: 'orderedList', attrs: { start: 3 }, content: [{ type: 'listItem', content: [paragraph('drie')] }] },
						{ type: 'blockquote', content: [paragraph('citaat')] }
					]
				},
				informationOf(staff)
			)
		);
		const text = (informationOf(staff).get(1) as Y.XmlElement).get(0) as Y.XmlText;
		text.format(0, 3, { bold: null });
		text.insert(3, '!', { italic: {} });
		expect(refusals).toEqual([]);
	});

	it('keystrokes that build on each other while none of them is in the room yet (still being stored)', () => {
		const room = new Y.Doc();
		const guard = new UpdateGuard(room, 'plan');
		const phone = new Y.Doc();
		const queued: Uint8Array[] = [];
		phone.on('update', (update: Uint8Array) => queued.push(update));
		for (const char of 'Als het niet lukt, bellen we de coördinator')
			metaText(phone, 'contingency').insert(metaText(phone, 'contingency').length, char);
		addAgreement(phone, 'Oma kookt');
		const verdicts = queued.map((update) => guard.admit(update));
		expect(verdicts.filter((verdict) => !verdict.ok)).toEqual([]);
		for (const update of queued) Y.applyUpdate(room, update);
		expect(metaText(room, 'contingency').toString()).toBe('Als het niet lukt, bellen we de coördinator');
	});

	it('a phone back from an hour of offline typing sends it in one update, within the message limit', () => {
		const plan = thirtyCardPlan();
		const phone = new Y.Doc();
		Y.applyUpdate(phone, Y.encodeStateAsUpdate(plan.room));
		const before = Y.encodeStateVector(plan.room);
		typeForAnHour(phone, { keys: 12_000 });
		const catchUp = Y.encodeStateAsUpdate(phone, before);
		expect(catchUp.length).toBeLessThan(512 * 1024);
		expect(plan.guard.admit(catchUp)).toMatchObject({ ok: true });
		expect(plan.refusals).toEqual([]);
	});

	it('a phone that reconnects sends the whole plan’s deletions again, and every client it knows', () => {
		const plan = thirtyCardPlan();
		for (const phone of plan.phones) metaText(phone, 'evaluation').insert(0, 'Over zes weken');
		for (const phone of plan.phones) metaText(phone, 'evaluation').delete(0, 5);
		plan.sync();
		const fresh = new Y.Doc();
		expect(plan.guard.admit(Y.encodeStateAsUpdate(plan.phones[0], Y.encodeStateVector(fresh)))).toMatchObject({
			ok: true
		});
		expect(plan.refusals).toEqual([]);
	});

	it('what reaches the room from elsewhere (the store, the bus) is what the next update is judged against', () => {
		const { room, guard } = liveRoom('plan');
		const elsewhere = new Y.Doc();
		addAgreement(elsewhere, 'Van de andere server');
		expect(guard.admit(metaTextUpdate('x'))).toMatchObject({ ok: true });
		Y.applyUpdate(room, Y.encodeStateAsUpdate(elsewhere), 'bus');
		const next = editedWith(Y.encodeStateAsUpdate(elsewhere), (doc) =>
			(agreementsOf(doc).get(0).get('when') as Y.Text).insert(0, 'morgen')
		);
		expect(guard.admit(next)).toMatchObject({ ok: true });
	});
});

function metaTextUpdate(text: string, field: 'monitor' | 'evaluation' | 'contingency' = 'monitor'): Uint8Array {
	const doc = new Y.Doc();
	metaText(doc, field).insert(0, text);
	return Y.encodeStateAsUpdate(doc);
}

type Hostile = [what: string, build: (state: Uint8Array, anna: Y.Doc) => Uint8Array, rule: RefusalRule];

const agreement = (doc: Y.Doc) => agreementsOf(doc).get(0);

const HOSTILE: Hostile[] = [
	['an array nested 5,500 deep pushed into the agreements (11 KB)', () => nestedArrayUpdate(5_500), 'too-deep'],
	['an array nested a million deep (2 MB)', () => nestedArrayUpdate(1_000_000), 'too-deep'],
	['shared types nested 6,000 deep', () => nestedTypesUpdate(6_000), 'too-deep'],
	['one character from each of 20,000 new clients', () => manyClientsUpdate(20_000), 'too-many-clients'],
	['one character from each of 65 new clients', () => manyClientsUpdate(65), 'too-many-new-clients'],
	['200,000 garbage-collected structs', () => gcStructsUpdate(200_000), 'too-many-structs'],
	['50,000 deletions for clients that do not exist', () => pendingDeletesUpdate({ ranges: 50_000 }), 'missing-history'],
	['100,001 delete ranges', () => pendingDeletesUpdate({ ranges: 100_001 }), 'too-many-deletions'],
	[
		'a character after one that never existed',
		() => missingPredecessorUpdate({ client: 123_456, clock: 7 }),
		'missing-history'
	],
	['a struct beyond what the room has of its client', (_, anna) => gapUpdate(anna.clientID, 10_000), 'missing-history'],
	[
		'a deletion of content the room does not have yet',
		(_, anna) => deletionUpdate([{ client: anna.clientID, clock: 5_000, length: 1 }]),
		'missing-history'
	],
	['one deleted struct claiming 2^40 clocks', () => longDeletedUpdate(2 ** 40), 'too-long'],
	['bytes that are not an update', () => new Uint8Array([1, 1, 7, 0, 200, 1]), 'malformed'],
	[
		'a top-level part the plan does not have',
		(state) => editedWith(state, (doc) => doc.getText('notes').insert(0, 'x')),
		'shape'
	],
	[
		'a string among the agreements',
		(state) => editedWith(state, (doc) => doc.getArray('agreements').push(['x'])),
		'shape'
	],
	[
		'a map key on the agreements list',
		(state) => editedWith(state, (doc) => doc.getMap('agreements').set('x', 1)),
		'shape'
	],
	[
		'an agreement without its rich text',
		(state) =>
			editedWith(state, (doc) => {
				const incomplete = createAgreement({ createdBy: 'Mallory' });
				incomplete.delete('text');
				agreementsOf(doc).push([incomplete]);
			}),
		'shape'
	],
	[
		'an agreement’s rich text replaced by a plain text',
		(state) => editedWith(state, (doc) => agreement(doc).set('text', new Y.Text('x'))),
		'shape'
	],
	[
		'an agreement’s “when” replaced by a string',
		(state) => editedWith(state, (doc) => agreement(doc).set('when', 'morgen')),
		'shape'
	],
	[
		'an agreement’s theme that is not a theme',
		(state) => editedWith(state, (doc) => agreement(doc).set('theme', 'toString')),
		'shape'
	],
	[
		'an agreement’s field the shape does not know',
		(state) => editedWith(state, (doc) => agreement(doc).set('secret', 'x')),
		'shape'
	],
	['an agreement’s field removed', (state) => editedWith(state, (doc) => agreement(doc).delete('who')), 'shape'],
	[
		'a number among the names',
		(state) => editedWith(state, (doc) => (agreement(doc).get('who') as Y.Array<unknown>).push([42])),
		'shape'
	],
	[
		'a name of 1,001 characters',
		(state) => editedWith(state, (doc) => (agreement(doc).get('who') as Y.Array<unknown>).push(['x'.repeat(1_001)])),
		'shape'
	],
	['a value in a plain text', (state) => editedWith(state, (doc) => doc.getArray('monitor').push([{ a: 1 }])), 'shape'],
	[
		'a formatted plain text',
		(state) => editedWith(state, (doc) => metaText(doc, 'evaluation').insert(0, 'x', { bold: true })),
		'shape'
	],
	[
		'a map inside rich text',
		(state) =>
			editedWith(state, (doc) =>
				(agreement(doc).get('text') as Y.XmlFragment).insert(0, [new Y.Map() as unknown as Y.XmlElement])
			),
		'shape'
	],
	[
		'an element with a name that is not a node name',
		(state) =>
			editedWith(state, (doc) =>
				(agreement(doc).get('text') as Y.XmlFragment).insert(0, [new Y.XmlElement('<script>')])
			),
		'shape'
	],
	[
		'an embed in rich text',
		(state) =>
			editedWith(state, (doc) => {
				const paragraph = (agreement(doc).get('text') as Y.XmlFragment).get(0) as Y.XmlElement;
				(paragraph.get(0) as Y.XmlText).insertEmbed(0, { image: 'x' });
			}),
		'shape'
	],
	[
		'rich text nested 40 deep in one update',
		(state) =>
			editedWith(state, (doc) => {
				let at = agreement(doc).get('text') as Y.XmlFragment;
				for (let level = 0; level < 40; level++) {
					const quote = new Y.XmlElement('blockquote');
					at.insert(0, [quote]);
					at = quote;
				}
			}),
		'too-deep'
	]
];

describe('hostile updates are refused, leave nothing behind, and the family goes on', () => {
	for (const [what, build, rule] of HOSTILE) {
		it(what, () => {
			const { room, guard, refusals, phone } = liveRoom('plan');
			const anna = phone();
			addAgreement(anna, 'Oma haalt Noor op');
			metaText(anna, 'monitor').insert(0, 'Oom Kees');
			expect(refusals).toEqual([]);
			const before = Y.encodeStateAsUpdate(room);
			const verdict = guard.admit(build(before, anna));
			expect(verdict).toMatchObject({ ok: false, rule });
			// The guard never touches the room; and what it tried leaves no trace for the next update.
			expect(Y.encodeStateAsUpdate(room)).toEqual(before);
			metaText(anna, 'monitor').insert(8, ' kijkt mee');
			(agreementsOf(anna).get(0).get('when') as Y.Text).insert(0, 'woensdag');
			expect(refusals).toEqual([]);
			expect(metaText(room, 'monitor').toString()).toBe('Oom Kees kijkt mee');
		});
	}

	it('rich text nested deeper, a little at a time, stops at the limit', () => {
		const { refusals, phone } = liveRoom('brief');
		const staff = phone();
		let at: Y.XmlFragment = informationOf(staff);
		for (let level = 0; level < 40 && refusals.length === 0; level++) {
			const quote = new Y.XmlElement('blockquote');
			at.insert(0, [quote]);
			at = quote;
		}
		expect(refusals).toEqual(['too-deep: shared types nested more than 32 deep']);
	});

	it('10,001 new deletions scattered through existing text', () => {
		const { guard, refusals, phone } = liveRoom('plan');
		const anna = phone();
		metaText(anna, 'monitor').insert(0, 'x'.repeat(30_000));
		expect(guard.admit(scatteredDeletesUpdate(anna.clientID, 10_001))).toMatchObject({
			ok: false,
			rule: 'too-many-deletions'
		});
		expect(guard.admit(scatteredDeletesUpdate(anna.clientID, 5_000))).toMatchObject({ ok: true });
		expect(refusals).toEqual([]);
	});

	it('inserts of a megabyte each: refused once the plan passes 4 MiB, while typing and deleting still pass', () => {
		const { room, guard, refusals, phone } = liveRoom('plan');
		const anna = phone();
		metaText(anna, 'monitor').insert(0, 'Oom Kees');
		const megabyte = (i: number, chars = 1_000_000) =>
			bigInsertUpdate(chars, { client: strangerId(i), root: 'contingency' });
		const verdicts = Array.from({ length: 6 }, (_, i) => {
			const verdict = guard.admit(megabyte(i));
			if (verdict.ok) Y.applyUpdate(room, megabyte(i));
			return verdict.ok ? 'admitted' : verdict.rule;
		});
		expect(verdicts).toEqual([
			'admitted',
			'admitted',
			'admitted',
			'admitted',
			'document-too-large',
			'document-too-large'
		]);
		// Over the limit (another instance took more, say): keystrokes still pass, big additions do not.
		Y.applyUpdate(room, megabyte(10, 300_000), 'bus');
		metaText(anna, 'monitor').insert(8, ' kijkt mee');
		expect(refusals).toEqual([]);
		expect(guard.admit(megabyte(11, 20_000))).toMatchObject({ ok: false, rule: 'document-too-large' });
		expect(guard.admit(deletionUpdate([{ client: strangerId(0), clock: 0, length: 1_000_000 }]))).toMatchObject({
			ok: true
		});
		expect(guard.admit(megabyte(12, 20_000))).toMatchObject({ ok: true });
	});
});

describe('what an update touched', () => {
	it('names the top-level part, the list item and its field', () => {
		const { room, guard, phone } = liveRoom('brief');
		const staff = phone();
		const concern = createBriefItem({ author: JEUGDZORG, text: 'Noor verzuimt' });
		concernsOf(staff).push([concern]);
		const id = concern.get('id');
		const state = Y.encodeStateAsUpdate(room);
		const typed = guard.admit(
			editedWith(state, (doc) => (concernsOf(doc).get(0).get('text') as Y.Text).insert(0, '!'))
		);
		expect(typed).toEqual({ ok: true, touched: [{ change: 'insert', root: 'concerns', itemId: id, field: 'text' }] });
		const rethemed = guard.admit(editedWith(state, (doc) => concernsOf(doc).get(0).set('theme', 'school')));
		expect(rethemed).toMatchObject({
			ok: true,
			touched: [
				{ change: 'insert', root: 'concerns', itemId: id, field: 'theme' },
				{ change: 'delete', root: 'concerns', itemId: id, field: 'theme' }
			]
		});
		const removed = guard.admit(editedWith(state, (doc) => concernsOf(doc).delete(0, 1)));
		expect(removed).toMatchObject({
			ok: true,
			touched: [{ change: 'delete', root: 'concerns', itemId: id, field: null }]
		});
	});

	it('hands extra rules the change, so a rule about who may change what can refuse it', () => {
		const { room, guard, phone } = liveRoom('brief');
		const staff = phone();
		concernsOf(staff).push([createBriefItem({ author: JEUGDZORG, text: 'Noor verzuimt' })]);
		const state = Y.encodeStateAsUpdate(room);
		const staffOnly = () => ({ ok: false as const, rule: 'shape' as const, detail: 'not yours' });
		expect(
			guard.admit(
				editedWith(state, (doc) => concernsOf(doc).delete(0, 1)),
				[staffOnly]
			)
		).toMatchObject({
			ok: false,
			detail: 'not yours'
		});
		expect(guard.admit(editedWith(state, (doc) => concernsOf(doc).delete(0, 1)))).toMatchObject({ ok: true });
	});
});

describe('who wrote what (the author rule)', () => {
	/** A brief with one concern by Jeugdzorg and one by Anna; `by(sender, edit)` judges an edit as `sender`'s. */
	function briefWithTwoAuthors() {
		const room = new Y.Doc();
		const guard = new UpdateGuard(room, 'brief');
		const rulesOf = (sender: Author) => [authorRule(DOCUMENT_SHAPES.brief, sender)];
		for (const [author, text] of [
			[JEUGDZORG, 'Noor verzuimt'],
			[ANNA, 'Wij maken ons zorgen om het geld']
		] as const) {
			const update = editedWith(Y.encodeStateAsUpdate(room), (doc) =>
				concernsOf(doc).push([createBriefItem({ author, text })])
			);
			const verdict = guard.admit(update, rulesOf(author));
			expect(verdict).toMatchObject({ ok: true });
			Y.applyUpdate(room, update);
		}
		const by = (sender: Author, edit: (doc: Y.Doc) => void) =>
			guard.admit(editedWith(Y.encodeStateAsUpdate(room), edit), rulesOf(sender));
		return { room, by };
	}
	const professionals = (doc: Y.Doc) => concernsOf(doc).get(0);
	const annas = (doc: Y.Doc) => concernsOf(doc).get(1);

	it("the family cannot delete, retype, retheme or re-author a professional's concern", () => {
		const { by } = briefWithTwoAuthors();
		const edits: ((doc: Y.Doc) => void)[] = [
			(doc) => concernsOf(doc).delete(0, 1),
			(doc) => (professionals(doc).get('text') as Y.Text).insert(0, 'niet waar: '),
			(doc) => (professionals(doc).get('text') as Y.Text).delete(0, 4),
			(doc) => professionals(doc).set('theme', 'money'),
			(doc) => professionals(doc).set('authorId', ANNA.participantId),
			(doc) => professionals(doc).set('authorRole', 'family')
		];
		for (const edit of edits) expect(by(ANNA, edit)).toMatchObject({ ok: false, rule: 'not-yours' });
	});

	it("a professional cannot change another professional's item, and nobody changes who wrote one", () => {
		const { by } = briefWithTwoAuthors();
		expect(by(RECLASSERING, (doc) => (professionals(doc).get('text') as Y.Text).insert(0, 'x'))).toMatchObject({
			ok: false,
			rule: 'not-yours'
		});
		expect(by(JEUGDZORG, (doc) => professionals(doc).set('by', 'Reclassering'))).toMatchObject({
			ok: false,
			rule: 'not-yours'
		});
		expect(by(JEUGDZORG, (doc) => (professionals(doc).get('text') as Y.Text).insert(0, 'x'))).toMatchObject({
			ok: true
		});
	});

	it("the family writes as one: any family device changes the family's items; staff do not", () => {
		const { by } = briefWithTwoAuthors();
		expect(by(PIET, (doc) => annas(doc).set('theme', 'money'))).toMatchObject({ ok: true });
		expect(by(JEUGDZORG, (doc) => concernsOf(doc).delete(1, 1))).toMatchObject({ ok: false, rule: 'not-yours' });
		expect(by(PIET, (doc) => concernsOf(doc).delete(1, 1))).toMatchObject({ ok: true });
	});

	it('a new item must name its sender as author: a forged id, role or name is refused', () => {
		const { by } = briefWithTwoAuthors();
		const add = (author: Author) => (doc: Y.Doc) => conditionsOf(doc).push([createBriefItem({ author, text: 'x' })]);
		expect(by(ANNA, add(ANNA))).toMatchObject({ ok: true });
		expect(by(ANNA, add(JEUGDZORG))).toMatchObject({ ok: false, rule: 'not-yours' });
		expect(by(ANNA, add({ ...ANNA, role: 'professional' }))).toMatchObject({ ok: false, rule: 'not-yours' });
		expect(by(ANNA, add({ ...ANNA, name: 'Jeugdzorg' }))).toMatchObject({ ok: false, rule: 'not-yours' });
		expect(by(ANNA, add(PIET))).toMatchObject({ ok: false, rule: 'not-yours' });
	});

	it("a new item cannot borrow an existing item's id to hide whose it is", () => {
		const { by } = briefWithTwoAuthors();
		expect(
			by(ANNA, (doc) => {
				const twin = createBriefItem({ author: ANNA, text: 'x' });
				twin.set('id', String(professionals(doc).get('id')));
				concernsOf(doc).push([twin]);
			})
		).toMatchObject({ ok: false, rule: 'not-yours' });
	});

	it("an item from before authors were known is the staff's", () => {
		const room = new Y.Doc();
		const guard = new UpdateGuard(room, 'brief');
		Y.applyUpdate(
			room,
			editedWith(Y.encodeStateAsUpdate(room), (doc) => {
				const item = createBriefItem({ author: JEUGDZORG, text: 'oud' });
				concernsOf(doc).push([item]);
				item.delete('authorId');
				item.delete('authorRole');
			})
		);
		const remove = editedWith(Y.encodeStateAsUpdate(room), (doc) => concernsOf(doc).delete(0, 1));
		expect(guard.admit(remove, [authorRule(DOCUMENT_SHAPES.brief, ANNA)])).toMatchObject({ rule: 'not-yours' });
		expect(guard.admit(remove, [authorRule(DOCUMENT_SHAPES.brief, RECLASSERING)])).toMatchObject({ ok: true });
	});
});

describe('stored updates', () => {
	it('a stored row nested too deep for Yjs is refused before Yjs reads it; others are applied', () => {
		const doc = new Y.Doc();
		expect(() => applyStoredUpdate(doc, nestedArrayUpdate(5_500))).toThrow(UnreadableUpdateError);
		applyStoredUpdate(doc, metaTextUpdate('Oom Kees'));
		expect(metaText(doc, 'monitor').toString()).toBe('Oom Kees');
	});

	it('well-formed is checked without recursion, however deep', () => {
		expect(() => assertWellFormedUpdate(nestedArrayUpdate(1_000_000))).not.toThrow();
		expect(() => assertWellFormedUpdate(new Uint8Array([1, 1]))).toThrow(UnreadableUpdateError);
	});
});
