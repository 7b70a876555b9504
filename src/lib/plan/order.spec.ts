import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { moveCard, positionAtEnd } from './order';
import { agreementsOf, createAgreement, planAgreements } from './shape';

const ids = (doc: Y.Doc) => planAgreements(doc).map((card) => String(card.get('createdBy')));

function planWith(names: string[]): Y.Doc {
	const doc = new Y.Doc();
	for (const name of names)
		agreementsOf(doc).push([createAgreement({ createdBy: name, position: positionAtEnd(planAgreements(doc)) })]);
	return doc;
}

describe('the order of the cards', () => {
	it('puts a new card last and moves a card by its key alone', () => {
		const doc = planWith(['a', 'b', 'c']);
		expect(ids(doc)).toEqual(['a', 'b', 'c']);
		doc.transact(() => moveCard(planAgreements(doc), 2, 0));
		expect(ids(doc)).toEqual(['c', 'a', 'b']);
		doc.transact(() => moveCard(planAgreements(doc), 0, 2));
		expect(ids(doc)).toEqual(['a', 'b', 'c']);
		// The list itself never moved: only keys changed.
		expect(agreementsOf(doc).map((card) => card.get('createdBy'))).toEqual(['a', 'b', 'c']);
	});

	it('gives cards from before positions (or with a broken key) keys of their own when one moves', () => {
		const doc = new Y.Doc();
		agreementsOf(doc).push(['a', 'b', 'c'].map((name) => createAgreement({ createdBy: name })));
		(agreementsOf(doc).get(1) as Y.Map<unknown>).set('position', '\u0000not a key');
		expect(ids(doc)).toEqual(['a', 'c', 'b']);
		doc.transact(() => moveCard(planAgreements(doc), 0, 2));
		expect(ids(doc)).toEqual(['c', 'b', 'a']);
	});

	it('converges when two phones move cards at once', () => {
		const one = planWith(['a', 'b', 'c', 'd']);
		const two = new Y.Doc();
		Y.applyUpdate(two, Y.encodeStateAsUpdate(one));
		one.transact(() => moveCard(planAgreements(one), 0, 3));
		two.transact(() => moveCard(planAgreements(two), 3, 0));
		Y.applyUpdate(one, Y.encodeStateAsUpdate(two));
		Y.applyUpdate(two, Y.encodeStateAsUpdate(one));
		expect(ids(one)).toEqual(ids(two));
		expect([...ids(one)].sort()).toEqual(['a', 'b', 'c', 'd']);
	});
});
