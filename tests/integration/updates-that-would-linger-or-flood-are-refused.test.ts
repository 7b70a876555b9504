import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { CLOSE } from '$lib/collab/close-codes';
import { conferenceWithFamily, type FamilyMember } from '../support/steps';
import {
	bigInsertUpdate,
	gcStructsUpdate,
	manyClientsUpdate,
	missingPredecessorUpdate,
	pendingDeletesUpdate,
	strangerId,
	syncUpdateMessage
} from '../support/hostile-updates';
import { kringForThisFile } from '../support/server';
import { addAgreement, agreementTexts, fieldText, typeInto } from '../support/edits';
import { openRawSocket } from '../support/raw-socket';
import { deniedReasons, waitForClose, waitForConvergence, waitUntil } from '../support/yjs-client';

// The message limit is tested as it ships (512 KiB).
const kring = kringForThisFile();
const LIMIT = 512 * 1024;

/** Anna and Bob have the plan open, with one agreement in it; Mallory is in the family too. */
async function familyAtWork() {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Anna', 'Bob', 'Mallory']);
	const [anna, bob, mallory] = family;
	const annaPhone = docs.open(anna.client, conferenceId, 'plan');
	const bobPhone = docs.open(bob.client, conferenceId, 'plan');
	await Promise.all([annaPhone.synced, bobPhone.synced]);
	addAgreement(annaPhone.doc, 'Bob brengt Noor naar voetbal', { theme: 'contact', createdBy: 'Anna' });
	await typeInto(annaPhone.doc, 'contingency', 'Dan belt Anna de coördinator.');
	await waitForConvergence([annaPhone.doc, bobPhone.doc]);
	return { conferenceId, bob, mallory, annaPhone, bobPhone };
}

/** Mallory sends one update on a socket of its own; returns how the server ended that socket. */
async function sendAsMallory(mallory: FamilyMember, conferenceId: string, ...updates: Uint8Array[]) {
	const socket = await openRawSocket(mallory.client, conferenceId, 'plan');
	// Once the room greets the socket (its sync step 1) it is settled: what follows meets the update
	// guard, not the small allowance for messages that arrive while a socket is still being let in.
	await waitUntil(() => socket.messages.length > 0, 'the room greets Mallory’s socket');
	for (const update of updates) socket.send(syncUpdateMessage(update));
	const closed = await waitForClose(socket.closed, 'the server ends the socket that sent it');
	return { code: closed.code, told: deniedReasons(socket.messages) };
}

/** The client ids in a document that only Mallory's updates use: what of them reached it. */
function strangersIn(doc: Y.Doc): number[] {
	const clients = [...Y.decodeStateVector(Y.encodeStateVector(doc)).keys()];
	return clients.filter((client) => client >= strangerId(0)).sort((a, b) => a - b);
}

/**
 * A keystroke of Anna's reaches Bob, who by then holds nothing of Mallory's but what was taken
 * (`taken`: Mallory's client ids); after a cold restart, a new phone loads the whole plan.
 */
async function theFamilyGoesOn(family: Awaited<ReturnType<typeof familyAtWork>>, typed: string, taken: number[]) {
	const { annaPhone, bobPhone, bob, conferenceId } = family;
	await typeInto(annaPhone.doc, 'contingency', typed);
	await waitUntil(() => fieldText(bobPhone.doc, 'contingency').endsWith(typed), 'Bob receives Anna’s keystrokes', {
		docs: [bobPhone.doc]
	});
	expect(annaPhone.closeEvents).toEqual([]);
	expect(bobPhone.closeEvents).toEqual([]);
	expect(strangersIn(bobPhone.doc)).toEqual(taken);
	annaPhone.destroy();
	bobPhone.destroy();
	await kring.server.restart();
	const fresh = kring.docs.open(bob.client, conferenceId, 'plan');
	await fresh.synced;
	expect(agreementTexts(fresh.doc)).toEqual(['Bob brengt Noor naar voetbal']);
	expect(fieldText(fresh.doc, 'contingency')).toBe(`Dan belt Anna de coördinator.${typed}`);
	fresh.destroy();
}

type Shape = {
	what: string;
	/** The shape as it was seen, if that is over the message limit now: the socket is closed for its size. */
	asSeen?: () => Uint8Array;
	/** The same shape made to fit within the limit: the update guard refuses it. */
	fitting: () => Uint8Array;
	rule: string;
};

const SHAPES: Shape[] = [
	{
		what: 'delete ranges for clients that do not exist (Yjs would keep them and apply them again inside every later keystroke)',
		asSeen: () => pendingDeletesUpdate({ clients: 20, ranges: 50_000 }),
		fitting: () => pendingDeletesUpdate({ clients: 2, ranges: 20_000 }),
		rule: 'missing-history'
	},
	{
		what: 'one character typed by each of 200,000 clients nobody has seen',
		asSeen: () => manyClientsUpdate(200_000),
		fitting: () => manyClientsUpdate(20_000),
		rule: 'too-many-clients'
	},
	{
		what: 'millions of garbage-collected structs',
		asSeen: () => gcStructsUpdate(2_000_000),
		fitting: () => gcStructsUpdate(200_000),
		rule: 'too-many-structs'
	},
	{
		what: 'a character typed after one that never existed (it would wait forever)',
		fitting: () => missingPredecessorUpdate({ client: strangerId(99), clock: 41 }),
		rule: 'missing-history'
	}
];

for (const shape of SHAPES) {
	it(`refuses ${shape.what}; the sender is told, the family goes on, the plan survives a restart`, async () => {
		const family = await familyAtWork();
		if (shape.asSeen) {
			const asSeen = shape.asSeen();
			expect(asSeen.length).toBeGreaterThan(LIMIT);
			expect(await sendAsMallory(family.mallory, family.conferenceId, asSeen)).toEqual({
				code: CLOSE.tooLarge.code,
				told: []
			});
		}
		const fitting = shape.fitting();
		expect(fitting.length).toBeLessThan(LIMIT);
		expect(await sendAsMallory(family.mallory, family.conferenceId, fitting)).toEqual({
			code: CLOSE.refused.code,
			told: [`refused: ${shape.rule}`]
		});
		await theFamilyGoesOn(family, ' Of oom Kees.', []);
	});
}

it('closes an insert of 3.9 MB for its size, and takes inserts just under the limit only until the plan passes 4 MiB', async () => {
	const family = await familyAtWork();
	expect(
		await sendAsMallory(family.mallory, family.conferenceId, bigInsertUpdate(3_900_000, { root: 'monitor' }))
	).toEqual({ code: CLOSE.tooLarge.code, told: [] });
	const half = (i: number) => bigInsertUpdate(500_000, { client: strangerId(i), root: 'monitor' });
	const ended = await sendAsMallory(
		family.mallory,
		family.conferenceId,
		...Array.from({ length: 10 }, (_, i) => half(i))
	);
	expect(ended).toEqual({ code: CLOSE.refused.code, told: ['refused: document-too-large'] });
	// Eight were taken (4 MB): they are the family's to delete now; nothing after the refusal was.
	await waitUntil(() => fieldText(family.bobPhone.doc, 'monitor').length === 4_000_000, 'Bob has the eight taken', {
		docs: [family.bobPhone.doc]
	});
	await theFamilyGoesOn(
		family,
		' Of tante Els.',
		Array.from({ length: 8 }, (_, i) => strangerId(i))
	);
});
