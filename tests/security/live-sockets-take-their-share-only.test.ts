import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { addAgreement } from '../support/edits';
import { found } from '../support/found';
import type { Browser } from '../support/http-client';
import { openRawSocket, type RawSocket } from '../support/raw-socket';
import { kringForThisFile } from '../support/server';
import { joinByLink } from '../support/steps';
import { decodeMessage, docBytes, docFromMessages, queryAwareness, syncStep1 } from '../support/y-messages';
import { waitUntil } from '../support/yjs-client';
import { assertFamilyStillSyncs, seedConference, type Seeded } from './seeded-conference';

/**
 * A relative the family let in runs a script against the live connection: socket after socket
 * with one cookie, sockets until the document is full, messages as fast as the network carries
 * them. Kring runs here with small limits (three sockets a cookie, six a document, twenty
 * messages a second) so that each can be reached in a few steps; the defaults are in README.md.
 */
describe('live sockets take their share of Kring and no more', () => {
	const kring = kringForThisFile({
		env: { KRING_SOCKETS_PER_SESSION: '3', KRING_SOCKETS_PER_ROOM: '6', KRING_SOCKET_MESSAGE_RATE: '20' }
	});
	let conference: Seeded;
	/** A relative the family let in, whose device runs the script. */
	let cas: Browser;
	const sockets: RawSocket[] = [];

	async function planSocket(browser: Browser, options: { answerClose?: boolean } = {}): Promise<RawSocket> {
		const socket = await openRawSocket(browser, conference.id, 'plan', options);
		sockets.push(socket);
		return socket;
	}

	/** The plan reached this socket: it is in, and reading. */
	async function readsThePlan(socket: RawSocket, label: string): Promise<void> {
		socket.send(syncStep1());
		await waitUntil(
			() => found(docBytes(docFromMessages(socket.messages)), [conference.planTexts[0]]).length === 1,
			`${label} to read the plan`
		);
	}

	async function joined(label: string): Promise<Browser> {
		return (await joinByLink(kring.server, conference.familyLink, conference.newName(label), { presence: 'room' }))
			.client;
	}

	beforeAll(async () => {
		conference = await seedConference(kring);
		// In the information phase a relative with the family link is in at once.
		cas = await joined('cas');
	});
	afterEach(async () => {
		await Promise.all(sockets.splice(0).map((socket) => socket.close()));
		await assertFamilyStillSyncs(conference);
	});

	it('one cookie keeps three sockets: each one more pushes out its oldest (4409), so a phone that reconnects always gets in', async () => {
		// The oldest ignores the close frame and keeps talking, as a script would.
		const opened = [await planSocket(cas, { answerClose: false })];
		await readsThePlan(opened[0], 'socket 1');
		for (let i = 2; i <= 5; i++) {
			const socket = await planSocket(cas);
			expect(socket.status).toBe(101);
			await readsThePlan(socket, `socket ${i}`);
			opened.push(socket);
		}
		await waitUntil(() => opened[0].closeFrame && opened[1].closeFrame, 'the two oldest sockets to be pushed out');
		for (const socket of opened.slice(0, 2)) expect(socket.closeFrame).toEqual(CLOSE.superseded);
		expect(opened.slice(2).every((socket) => socket.closeFrame === null)).toBe(true);

		// What the family writes next reaches the three newest, and nothing reaches the two that were pushed out.
		const next = conference.newSecret('after-push-out');
		addAgreement(conference.annaPlan.doc, next, { theme: 'housing' });
		await waitUntil(
			() => opened.slice(2).every((socket) => found(socket.raw, [next]).length === 1),
			'the newest sockets to receive the next agreement'
		);
		opened[0].send(syncStep1());
		await opened[0].ended;
		for (const socket of opened.slice(0, 2)) {
			expect(found(socket.raw, [next])).toEqual([]);
			expect(socket.framesAfterClose).toEqual([]);
		}
	});

	it('a full document refuses one more socket before opening anything (503), and takes one again once a place is free', async () => {
		// Anna and Bram have the plan open: with three of Cas's and one of Dirk's, it is full.
		const dirk = await joined('dirk');
		const held = [await planSocket(cas), await planSocket(cas), await planSocket(cas), await planSocket(dirk)];
		for (const socket of held) await readsThePlan(socket, 'a socket of the full plan');

		const refused = await planSocket(dirk);
		await refused.ended;
		expect(refused.status).toBe(503);
		expect(refused.frames).toEqual([]);
		expect(found(refused.raw, [conference.secret])).toEqual([]);
		expect(refused.responseHead).toMatch(/cache-control: no-store/i);

		await held[0].close();
		const admitted = await waitUntil(async () => {
			const socket = await planSocket(dirk);
			if (socket.status === 101) return socket;
			await socket.ended;
			return null;
		}, 'a place in the plan once one socket left');
		await readsThePlan(admitted, 'Dirk’s socket');
	});

	it('a socket that floods is read at its pace: the family’s edits pass it by, and nothing it sent is lost', async () => {
		const flood = await planSocket(cas);
		await readsThePlan(flood, 'the flooding socket');
		const answers = () => flood.messages.filter((message) => decodeMessage(message).kind === 'awareness').length;
		const before = answers();

		for (let i = 0; i < 100; i++) flood.send(queryAwareness());
		const text = conference.newSecret('while-flooded');
		addAgreement(conference.annaPlan.doc, text, { theme: 'housing' });
		await waitUntil(() => conference.bramPlan.has(text), 'Bram to receive what Anna typed during the flood');
		// Bram has Anna's agreement while most of the flood still waits to be read.
		expect(answers() - before).toBeLessThan(100);
		await waitUntil(() => answers() - before >= 100, 'every query of the flood to be answered in the end', {
			timeoutMs: 30_000
		});
		expect(flood.closeFrame).toBeNull();
	});

	it('leaves no family content in the server logs', () => {
		expect(found(kring.server.logs(), [conference.secret, conference.brief])).toEqual([]);
	});
});
