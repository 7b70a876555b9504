import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { conditionsOf, createBriefItem } from '$lib/plan/shape';
import * as Y from 'yjs';
import { addAgreement } from '../support/edits';
import { found } from '../support/found';
import { expectAction, type Browser } from '../support/http-client';
import { openRawSocket, type RawSocket } from '../support/raw-socket';
import { holdTables, kringForThisFile, startKring, TEST_REDIS_URL, type KringServer } from '../support/server';
import { changePhase, joinByLink } from '../support/steps';
import {
	awarenessMessage,
	decodeMessage,
	docBytes,
	docFromMessages,
	syncStep1,
	syncUpdate
} from '../support/y-messages';
import { waitUntil } from '../support/yjs-client';
import { assertFamilyStillSyncs, seedConference, type Seeded } from './seeded-conference';

/**
 * Kring scaled out: two instances behind a load balancer, sharing PostgreSQL and Redis. A phase
 * change or a removal made on one instance must reach every socket on the other, including a
 * socket that is still being opened at that very moment.
 */
describe('revocation across instances, and while a socket is being opened', () => {
	const kring = kringForThisFile({ database: 'postgres', redisUrl: TEST_REDIS_URL });
	let a: KringServer;
	let b: KringServer;
	let conference: Seeded;
	let cas: Browser;
	const forbidden = () => [conference.secret, conference.brief];
	const hasDocument = (socket: RawSocket) =>
		socket.messages.some((m) => ['sync-step-2', 'update', 'awareness'].includes(decodeMessage(m).kind));

	beforeAll(async () => {
		a = kring.server;
		conference = await seedConference(kring);
		cas = (await joinByLink(a, conference.familyLink, 'Cas')).client;
		// No grace period on B: a socket opening there must wait for its document to load.
		b = await startKring({ sameDatabaseAs: a, redisUrl: TEST_REDIS_URL, env: { KRING_ROOM_GRACE_MS: '0' } });
	});
	afterEach(async () => assertFamilyStillSyncs(conference));
	afterAll(async () => {
		await b?.stop();
	});

	it('a hand-over on one instance closes the staff sockets on the other', async () => {
		const sockets = [
			await openRawSocket(conference.coordinator.on(b), conference.id, 'brief'),
			await openRawSocket(conference.professional.on(b), conference.id, 'brief')
		];
		for (const socket of sockets) {
			expect(socket.status).toBe(101);
			socket.send(syncStep1());
		}
		for (const socket of sockets)
			await waitUntil(
				() => found(docBytes(docFromMessages(socket.messages)), [conference.briefTexts[1]]).length === 1,
				'the brief on B'
			);
		const bramOnB = conference.open(conference.bram.on(b), 'plan');
		await bramOnB.synced;

		await conference.phase(conference.coordinator, 'private');
		await Promise.all(sockets.map((s) => s.closed));
		const typed = conference.newSecret('typed-on-a-after-hand-over');
		addAgreement(conference.annaPlan.doc, typed, { theme: 'housing' });
		await waitUntil(() => bramOnB.has(typed), 'Bram on B to receive what Anna typed on A');
		for (const socket of sockets) {
			await socket.close();
			expect(socket.closeFrame?.code).toBe(CLOSE.revoked.code);
			expect(socket.framesAfterClose).toEqual([]);
			expect(found(socket.raw, [typed])).toEqual([]);
		}
		for (const staff of [conference.coordinator, conference.professional]) {
			for (const doc of ['plan', 'brief']) {
				const socket = await openRawSocket(staff.on(b), conference.id, doc);
				await socket.ended;
				expect(socket.status).toBe(403);
				expect(socket.frames).toEqual([]);
			}
		}
	});

	it('a relative removed while their socket is still opening gets nothing', async () => {
		const casOnB = cas.on(b);
		// Cas has the plan open on B: when it closes, B has heard of the removal.
		const heard = await openRawSocket(casOnB, conference.id, 'plan');
		heard.send(syncStep1());
		await waitUntil(
			() => found(Buffer.concat(heard.messages), [conference.planTexts[0]]).length === 1,
			'Cas to have the plan'
		);

		// Hold the document store for a moment, as a slow disk or a busy database would.
		const store = await holdTables(a, ['doc_snapshots']);
		try {
			const opening = await openRawSocket(casOnB, conference.id, 'brief');
			expect(opening.status).toBe(101);
			opening.send(syncStep1());
			await waitUntil(async () => (await store.waiting()) > 0, 'B to wait for the brief to load');

			expectAction(
				await conference.anna.action(`/c/${conference.id}`, 'remove', {
					participantId: await conference.participantId(cas)
				}),
				'success'
			);
			await heard.closed;
			expect(heard.closeFrame?.code).toBe(CLOSE.removed.code);

			await store.release();
			await waitUntil(() => opening.closeFrame !== null || hasDocument(opening), 'the opening socket to be decided');
			await opening.close();
			expect(opening.messages.map((m) => decodeMessage(m).kind)).toEqual([]);
			expect([CLOSE.removed.code, CLOSE.revoked.code]).toContain(opening.closeFrame?.code);
			expect(found(opening.raw, forbidden())).toEqual([]);
		} finally {
			await store.release();
		}
		await heard.close();
	});

	it('a client on one instance cannot speak for a cursor that lives on the other', async () => {
		const observer = conference.open(conference.bram.on(a, 'Bram, second tab on A'), 'plan');
		await observer.synced;
		conference.annaPlan.provider.awareness.setLocalStateField('focus', 'meta');
		const anna = conference.annaPlan.doc.clientID;
		await waitUntil(
			() => (observer.provider.awareness.getStates().get(anna) as { focus?: string } | undefined)?.focus === 'meta',
			'Anna on A'
		);
		const before = observer.provider.awareness.getStates().get(anna);
		const mallory = await openRawSocket(conference.bram.on(b, 'Bram, raw on B'), conference.id, 'plan');
		mallory.send(syncStep1());
		mallory.send(awarenessMessage([{ clientId: anna, clock: 50_000, state: { focus: 'spoofed-across' } }]));
		mallory.send(awarenessMessage([{ clientId: anna, clock: 50_001, state: null }]));
		mallory.send(awarenessMessage([{ clientId: 888_001, clock: 1, state: { focus: 'barrier' } }]));
		await waitUntil(
			() =>
				(observer.provider.awareness.getStates().get(888_001) as { focus?: string } | undefined)?.focus === 'barrier',
			'the barrier from B'
		);
		expect(observer.provider.awareness.getStates().get(anna)).toEqual(before);
		await mallory.close();
	});

	it('leaves no family content in the logs of either instance', () => {
		expect(found(a.logs() + b.logs(), forbidden())).toEqual([]);
	});
});

/**
 * A professional's client types in the brief, moves its cursor, and then has its socket closed
 * (here by sending a broken frame) while that last edit is still being stored. Then private time
 * begins. What was queued behind the edit must not come back to life: no staff presence may
 * appear on the family's screens in private time.
 */
describe('a staff socket that closes while its edit is still being stored', () => {
	const kring = kringForThisFile({ database: 'postgres' });
	let conference: Seeded;

	beforeAll(async () => {
		conference = await seedConference(kring);
	});
	afterEach(async () => assertFamilyStillSyncs(conference));

	it("leaves no staff presence behind on the family's brief in private time", async () => {
		const { id, professional, coordinator, bram } = conference;
		// Bram's device reads the brief; everything the server sends it arrives in order.
		const watcher = await openRawSocket(bram, id, 'brief');
		watcher.send(syncStep1());
		const socket = await openRawSocket(professional, id, 'brief');
		socket.send(syncStep1());
		await waitUntil(
			() => socket.messages.some((m) => decodeMessage(m).kind === 'sync-step-2'),
			'the professional to have the brief'
		);
		const own = docFromMessages(socket.messages);
		const PROFESSIONAL_CLIENT = 424_242;
		const WATCHER_CLIENT = 434_343;
		/** What Bram's device was last told about a client's presence (undefined: never; null: gone). */
		const seen = (clientId: number, on = watcher) => {
			let last: unknown;
			for (const message of on.messages) {
				const decoded = decodeMessage(message);
				if (decoded.kind === 'awareness')
					for (const entry of decoded.states) if (entry.clientId === clientId) last = entry.state;
			}
			return last as { focus?: string } | null | undefined;
		};
		socket.send(awarenessMessage([{ clientId: PROFESSIONAL_CLIENT, clock: 1, state: { focus: 'conditions' } }]));
		await waitUntil(
			() => seen(PROFESSIONAL_CLIENT)?.focus === 'conditions',
			'Bram to see the professional on the brief'
		);

		const lastWords = conference.newBrief('typed-just-before-hand-over');
		const familyBack = conference.familyBackAfterHandOver();
		const store = await holdTables(kring.server, ['doc_updates']);
		try {
			// A last edit (its storing now waits on the lock), and a cursor move queued behind it.
			const before = Y.encodeStateVector(own);
			// A condition as the board writes it: the update guard refuses an item without its fields.
			conditionsOf(own).push([createBriefItem({ author: conference.authors.professional, text: lastWords })]);
			socket.send(syncUpdate(Y.encodeStateAsUpdate(own, before)));
			socket.send(awarenessMessage([{ clientId: PROFESSIONAL_CLIENT, clock: 2, state: { focus: 'still-here' } }]));
			// A broken frame: the server closes the socket at once, so it has read all of the above.
			socket.send(new Uint8Array([99]));
			await socket.closed;
			expect(socket.closeFrame?.code).toBe(CLOSE.malformed.code);
			await waitUntil(() => seen(PROFESSIONAL_CLIENT) === null, "the professional's presence to leave Bram's screen");
			await waitUntil(async () => (await store.waiting()) > 0, 'the edit to wait for the store');
			// The hand-over waits for the edit under way: a write is stored before a phase change that
			// forbids it, or refused after it, never stored after it (fencing, docs/design.md §5.2).
			const handOver = changePhase(coordinator, id, 'private');
			await waitUntil(
				async () => (await store.waiting('update "conferences"')) > 0,
				'the hand-over to wait for the edit'
			);
			await store.release();
			await handOver;
		} finally {
			await store.release();
		}
		// The family's devices are closed at the hand-over and come back once the family has confirmed
		// its circle (§6). The edit typed before the hand-over lands (it was stored, so it is kept);
		// behind it Bram's own presence comes back to him, and no staff presence is left in the room.
		await watcher.closed;
		expect(watcher.closeFrame?.code).toBe(CLOSE.removed.code);
		await familyBack();
		const again = await openRawSocket(bram, id, 'brief');
		again.send(syncStep1());
		await waitUntil(
			() => found(docBytes(docFromMessages(again.messages)), [lastWords]).length === 1,
			'the last edit to land'
		);
		again.send(awarenessMessage([{ clientId: WATCHER_CLIENT, clock: 1, state: { focus: 'barrier' } }]));
		await waitUntil(() => seen(WATCHER_CLIENT, again)?.focus === 'barrier', "Bram's own presence");
		expect(seen(PROFESSIONAL_CLIENT, again), 'a staff member present on the brief in private time').toBeFalsy();
		await again.close();
		await socket.close();
		await watcher.close();
	});
});
