import * as Y from 'yjs';
import { expect, it } from 'vitest';
import { moveCard } from '../../src/lib/plan/order';
import { agreementsOf, planAgreements, readPlan } from '../../src/lib/plan/shape';
import { addAgreement } from '../support/edits';
import { kringForThisFile } from '../support/server';
import { changePhase, conferenceWithFamily, handOver } from '../support/steps';
import { waitForConvergence } from '../support/yjs-client';

const kring = kringForThisFile();

const order = (doc: Y.Doc) => planAgreements(doc).map((card) => String(card.get('id')));

/** Types into a card's "when", one key a change, yielding now and then so others' changes arrive between. */
async function typeWhen(doc: Y.Doc, id: string, input: string): Promise<void> {
	for (const [i, char] of [...input].entries()) {
		const card = agreementsOf(doc)
			.toArray()
			.find((c) => c.get('id') === id)!;
		const when = card.get('when') as Y.Text;
		when.insert(when.length, char);
		if (i % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
	}
}

/** Moves cards about, one move a change: each move reads the order as this phone sees it then. */
async function shuffle(doc: Y.Doc, moves: [number, number][]): Promise<void> {
	for (const [from, to] of moves) {
		doc.transact(() => moveCard(planAgreements(doc), from, to));
		await new Promise((resolve) => setTimeout(resolve, 2));
	}
}

it('three phones reorder the cards and type in them at the same time: one order, every word kept', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, [
		'Moeder Sanne',
		'Opa Henk',
		'Tante Els'
	]);
	await changePhase(coordinator.client, conferenceId, 'information');
	await handOver(coordinator.client, conferenceId, family);
	const phones = family.map((member) => docs.open(member.client, conferenceId, 'plan'));
	await Promise.all(phones.map((phone) => phone.synced));
	const [sanne, henk, els] = phones.map((phone) => phone.doc);

	const ids = ['Wonen', 'Werk', 'Geld', 'School', 'Contact'].map((what) => addAgreement(sanne, what));
	await waitForConvergence([sanne, henk, els]);
	expect(order(els)).toEqual(ids);

	// Sanne and Henk move cards about while Els and Henk type into the very cards that move.
	await Promise.all([
		shuffle(sanne, [
			[0, 4],
			[1, 3],
			[4, 0],
			[2, 1]
		]),
		shuffle(henk, [
			[4, 0],
			[3, 1],
			[0, 2]
		]),
		typeWhen(els, ids[0], 'elke maandag'),
		typeWhen(els, ids[4], 'na school'),
		typeWhen(henk, ids[2], 'eind van de maand')
	]);
	await waitForConvergence([sanne, henk, els]);

	// One order on every phone, every card once, nothing re-created.
	expect(order(henk)).toEqual(order(sanne));
	expect(order(els)).toEqual(order(sanne));
	expect([...order(sanne)].sort()).toEqual([...ids].sort());
	expect(agreementsOf(sanne).length).toBe(5);

	// Every word typed stays in its own card, whole.
	const when = new Map(readPlan(sanne).agreements.map((a) => [a.id, a.when]));
	expect(when.get(ids[0])).toBe('elke maandag');
	expect(when.get(ids[4])).toBe('na school');
	expect(when.get(ids[2])).toBe('eind van de maand');

	// A phone that opens the plan now gets the same order from the server.
	const later = docs.open(family[0].client, conferenceId, 'plan');
	await later.synced;
	await waitForConvergence([later.doc, sanne]);
	expect(order(later.doc)).toEqual(order(sanne));
});
