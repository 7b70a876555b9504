import { beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { CLOSE } from '$lib/collab/close-codes';
import { LiveDoc } from '$lib/collab/live-doc.svelte';
import {
	concernsOf,
	conditionsOf,
	createBriefItem,
	createReaction,
	reactionsOf,
	readBrief,
	type Author
} from '$lib/plan/shape';
import { dumpDatabase } from '../support/database-dump';
import { addConcern, addCondition } from '../support/edits';
import { editedWith, syncUpdateMessage } from '../support/hostile-updates';
import type { Browser } from '../support/http-client';
import { openRawSocket } from '../support/raw-socket';
import { kringForThisFile } from '../support/server';
import {
	authorIn,
	changePhase,
	conferenceWithFamily,
	inviteProfessional,
	registerProfessional,
	unique
} from '../support/steps';
import { decodeMessage, docFromMessages, syncStep1 } from '../support/y-messages';
import { deniedReasons, waitForClose, waitUntil, type LiveDoc as TestDoc } from '../support/yjs-client';

/**
 * docs/design.md §3, item 7: a concern or condition belongs to who wrote it. In the information
 * round the family adds its own worries, but its phones cannot change or remove what a professional
 * or the coordinator wrote, and a professional cannot change another's. The server decides, on
 * every update, before anything is stored.
 */
// PostgreSQL: the database is read while Kring runs, to show the refused changes are nowhere in it.
const kring = kringForThisFile({ database: 'postgres' });

type Person = { client: Browser; author: Author };
let conferenceId: string;
let anna: Person, mallory: Person, jeugdzorg: Person, reclassering: Person;
/** The brief as the coordinator's open board holds it: it must never see a refused change. */
let onlooker: TestDoc;

async function professional(name: string): Promise<Person> {
	const link = await inviteProfessional(kring.coordinator.client, conferenceId, {
		name,
		email: `${unique('pro')}@kring.test`
	});
	const client = (await registerProfessional(kring.server, link, { name })).client;
	return { client, author: await authorIn(client, conferenceId) };
}

beforeAll(async () => {
	const { server, coordinator, docs } = kring;
	const made = await conferenceWithFamily(server, coordinator.client, ['Anna', 'Mallory']);
	conferenceId = made.conferenceId;
	[anna, mallory] = await Promise.all(
		made.family.map(async (member) => ({ client: member.client, author: await authorIn(member.client, conferenceId) }))
	);
	jeugdzorg = await professional('Jeugdzorg');
	reclassering = await professional('Reclassering');
	await changePhase(coordinator.client, conferenceId, 'information');

	const jeugdzorgBrief = docs.open(jeugdzorg.client, conferenceId, 'brief');
	const reclasseringBrief = docs.open(reclassering.client, conferenceId, 'brief');
	onlooker = docs.open(coordinator.client, conferenceId, 'brief');
	await Promise.all([jeugdzorgBrief.synced, reclasseringBrief.synced, onlooker.synced]);
	addConcern(jeugdzorgBrief.doc, 'Noor verzuimt van school', jeugdzorg.author, 'school');
	addCondition(reclasseringBrief.doc, 'Geen contact met de oude vrienden', reclassering.author);
	await waitUntil(
		() => concernsOf(onlooker.doc).length === 1 && conditionsOf(onlooker.doc).length === 1,
		'the staff brief is stored',
		{ docs: [onlooker.doc] }
	);
});

/** A phone's socket that has the stored brief; `send` sends one edit made on top of it. */
async function phone(person: Person) {
	const socket = await openRawSocket(person.client, conferenceId, 'brief');
	socket.send(syncStep1());
	await waitUntil(
		() => socket.messages.some((message) => decodeMessage(message).kind === 'sync-step-2'),
		'the phone has the brief'
	);
	const state = Y.encodeStateAsUpdate(docFromMessages(socket.messages));
	return {
		socket,
		send: (edit: (doc: Y.Doc) => void) => socket.send(syncUpdateMessage(editedWith(state, edit)))
	};
}

async function expectRefused(socket: Awaited<ReturnType<typeof phone>>['socket'], what: string) {
	expect((await waitForClose(socket.closed, what)).code).toBe(CLOSE.refused.code);
	expect(deniedReasons(socket.messages)).toEqual(['refused: not-yours']);
}

it("a family phone that deletes or rewrites a professional's concern is refused, told why, and stored nowhere; nobody sees it", async () => {
	const deleting = await phone(mallory);
	deleting.send((doc) => concernsOf(doc).delete(0, 1));
	await expectRefused(deleting.socket, 'the phone that deletes the concern is closed');

	const rewriting = await phone(mallory);
	rewriting.send((doc) => {
		const text = concernsOf(doc).get(0).get('text') as Y.Text;
		text.delete(0, text.length);
		text.insert(0, 'MALLORY-HERSCHREEF-DIT');
	});
	await expectRefused(rewriting.socket, 'the phone that rewrites the concern is closed');

	// The family's own worry still goes round: the socket that was refused was only Mallory's.
	const annaPhone = await phone(anna);
	annaPhone.send((doc) => concernsOf(doc).push([createBriefItem({ author: anna.author, text: 'ZORG-VAN-ANNA' })]));
	await waitUntil(
		() => readBrief(onlooker.doc).concerns.some((concern) => concern.text === 'ZORG-VAN-ANNA'),
		'the family’s own concern reaches the coordinator',
		{ docs: [onlooker.doc] }
	);
	expect(readBrief(onlooker.doc).concerns.map((concern) => concern.text)).toEqual([
		'Noor verzuimt van school',
		'ZORG-VAN-ANNA'
	]);
	expect(onlooker.closeEvents).toEqual([]);
	await annaPhone.socket.close();
});

it("a professional cannot change another professional's condition, nor the family's worry", async () => {
	const pro = await phone(jeugdzorg);
	pro.send((doc) => (conditionsOf(doc).get(0).get('text') as Y.Text).insert(0, 'Soms '));
	await expectRefused(pro.socket, 'the professional who edits another’s condition is closed');
	const again = await phone(jeugdzorg);
	again.send((doc) => concernsOf(doc).delete(1, 1));
	await expectRefused(again.socket, 'the professional who removes the family’s worry is closed');
	expect(readBrief(onlooker.doc).conditions.map((condition) => condition.text)).toEqual([
		'Geen contact met de oude vrienden'
	]);
});

it('a new item with a forged author is refused: the author is whoever the session says sent it', async () => {
	const forging = await phone(mallory);
	forging.send((doc) =>
		conditionsOf(doc).push([createBriefItem({ author: jeugdzorg.author, text: 'VERVALST-DOOR-MALLORY' })])
	);
	await expectRefused(forging.socket, 'the phone that forges an author is closed');
});

it('the refused phone throws its copy away, opens the brief afresh from the server, and does not send it again', async () => {
	// The board's own live document, on a WebSocket that carries Mallory's cookie as her browser would.
	let upgrades = 0;
	class BrowserSocket extends WebSocket {
		constructor(address: string, protocols?: string | string[]) {
			super(address, protocols, {
				headers: { cookie: mallory.client.cookieHeader(), origin: kring.server.origin }
			});
			upgrades++;
		}
	}
	const globals = globalThis as unknown as Record<string, unknown>;
	const saved = { location: globals.location, WebSocket: globals.WebSocket };
	globals.location = { protocol: 'http:', host: new URL(kring.server.url).host };
	globals.WebSocket = BrowserSocket;
	try {
		let refusedFor: string | null | undefined;
		const board = new LiveDoc(conferenceId, 'brief', 'write', {
			keepOnDevice: false,
			storageKey: `${conferenceId}:${mallory.author.participantId}`,
			onRefused: (rule) => (refusedFor = rule)
		});
		await waitUntil(() => board.synced, 'Mallory’s board has the brief', { docs: [board.doc] });
		concernsOf(board.doc).delete(0, 1);
		await waitUntil(() => refusedFor !== undefined, 'the board is told its change was refused');
		expect(refusedFor).toBe('not-yours');
		expect(board.closedBy).toBe('refused');
		expect(board.provider.shouldConnect).toBe(false);
		board.destroy();

		// The board opens a fresh copy (board-state.svelte.ts): it has the server's brief, and sends nothing back.
		const fresh = new LiveDoc(conferenceId, 'brief', 'write', {
			keepOnDevice: false,
			storageKey: `${conferenceId}:${mallory.author.participantId}`,
			onRefused: () => (refusedFor = 'again')
		});
		await waitUntil(() => fresh.synced, 'the fresh copy has the brief', { docs: [fresh.doc] });
		expect(readBrief(fresh.doc).concerns[0].text).toBe('Noor verzuimt van school');
		const opened = upgrades;
		// A professional's next concern reaches it: the fresh socket stays open, and no refusal loops.
		const pro = await phone(jeugdzorg);
		pro.send((doc) => concernsOf(doc).push([createBriefItem({ author: jeugdzorg.author, text: 'NOG-EEN-ZORG' })]));
		await waitUntil(
			() => readBrief(fresh.doc).concerns.some((concern) => concern.text === 'NOG-EEN-ZORG'),
			'the fresh copy follows the brief',
			{ docs: [fresh.doc] }
		);
		await pro.socket.close();
		expect(refusedFor).toBe('not-yours');
		expect(upgrades).toBe(opened);
		expect(fresh.link).toBe('connected');
		fresh.destroy();
		expect(upgrades).toBe(2);
	} finally {
		Object.assign(globals, saved);
	}
});

it("the family reacts to a professional's concern in its own words; the concern stays as written, and nobody else changes or forges a reaction", async () => {
	const concern = concernsOf(onlooker.doc).get(0);
	const concernId = String(concern.get('id'));
	const annaPhone = await phone(anna);
	annaPhone.send((doc) =>
		reactionsOf(doc).push([createReaction({ item: concernId, author: anna.author, text: 'REACTIE-VAN-ANNA' })])
	);
	await waitUntil(
		() => readBrief(onlooker.doc).reactions?.some((reaction) => reaction.text === 'REACTIE-VAN-ANNA'),
		'the family’s reaction reaches the coordinator',
		{ docs: [onlooker.doc] }
	);
	expect(readBrief(onlooker.doc).reactions).toEqual([{ item: concernId, by: 'Anna', text: 'REACTIE-VAN-ANNA' }]);
	expect(readBrief(onlooker.doc).concerns[0].text).toBe('Noor verzuimt van school');
	await annaPhone.socket.close();

	const pro = await phone(jeugdzorg);
	pro.send((doc) => (reactionsOf(doc).get(0).get('text') as Y.Text).insert(0, 'NIET-WAAR '));
	await expectRefused(pro.socket, 'the professional who rewrites the family’s reaction is closed');
	const forging = await phone(mallory);
	forging.send((doc) =>
		reactionsOf(doc).push([createReaction({ item: concernId, author: jeugdzorg.author, text: 'VERVALSTE-REACTIE' })])
	);
	await expectRefused(forging.socket, 'the phone that forges a reaction’s author is closed');
	expect(readBrief(onlooker.doc).reactions?.map((reaction) => reaction.text)).toEqual(['REACTIE-VAN-ANNA']);
});

it('none of the refused changes is in the database', async () => {
	const dump = await dumpDatabase(kring.server);
	for (const marker of ['MALLORY-HERSCHREEF-DIT', 'VERVALST-DOOR-MALLORY', 'NIET-WAAR', 'VERVALSTE-REACTIE'])
		expect(dump.placesOf(marker)).toEqual([]);
	expect(dump.placesOf('Noor verzuimt van school').length).toBeGreaterThan(0);
	expect(dump.placesOf('ZORG-VAN-ANNA').length).toBeGreaterThan(0);
});
