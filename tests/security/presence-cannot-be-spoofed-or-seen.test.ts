import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { found } from '../support/found';
import type { Browser } from '../support/http-client';
import { openRawSocket, type RawSocket } from '../support/raw-socket';
import { kringForThisFile } from '../support/server';
import { joinByLink } from '../support/steps';
import { awarenessMessage, syncStep1 } from '../support/y-messages';
import { waitUntil } from '../support/yjs-client';
import { trySockets, walkEveryRoute } from './every-route';
import { assertFamilyStillSyncs, seedConference, type Seeded } from './seeded-conference';

type Presence = { user?: { name: string; role: string; participantId: string }; focus?: string; cursor?: unknown };

/**
 * Presence (who is typing where) is part of what the family keeps to itself in private time,
 * and inside the family it must be true: the server sets each person's name and role from
 * their session, and nobody can speak for, rename or wipe someone else's cursor.
 */
describe('presence in private time', () => {
	const kring = kringForThisFile();
	let conference: Seeded;
	/** A family member with a hand-made client: Mallory joined before private time. */
	let mallory: Browser;
	let malloryId: string;
	let annaId: string;
	let socket: RawSocket;
	const MALLORY_CLIENT = 777_001;
	let malloryClock = 0;
	let barrier = 0;

	const seenByBram = () => conference.bramPlan.provider.awareness.getStates() as Map<number, Presence>;
	const annaClient = () => conference.annaPlan.doc.clientID;

	/** Mallory's own, honest update last: when Bram sees it, he has seen everything she sent before. */
	async function afterMallorysMessages() {
		const focus = `barrier-${++barrier}`;
		socket.send(awarenessMessage([{ clientId: MALLORY_CLIENT, clock: ++malloryClock, state: { focus } }]));
		await waitUntil(() => seenByBram().get(MALLORY_CLIENT)?.focus === focus, `Bram to see ${focus}`);
	}

	beforeAll(async () => {
		conference = await seedConference(kring);
		({ client: mallory, participantId: malloryId } = await joinByLink(kring.server, conference.familyLink, 'Mallory'));
		annaId = await conference.participantId(conference.anna);
		await conference.phase(conference.coordinator, 'private');
		socket = await openRawSocket(mallory, conference.id, 'plan');
		expect(socket.status).toBe(101);
		socket.send(syncStep1());
		conference.annaPlan.provider.awareness.setLocalStateField('focus', 'agreements');
		await waitUntil(() => seenByBram().get(annaClient())?.focus === 'agreements', 'Bram to see Anna');
		await afterMallorysMessages();
	});
	afterEach(async () => assertFamilyStillSyncs(conference));
	afterAll(async () => {
		await socket?.close();
	});

	it('staff see no trace of who is typing where', async () => {
		const focus = `${conference.names}-focus`.slice(0, 60);
		conference.annaPlan.provider.awareness.setLocalStateField('focus', focus);
		await waitUntil(() => seenByBram().get(annaClient())?.focus === focus, 'Bram to see where Anna is');
		for (const browser of [conference.coordinator, conference.professional]) {
			for (const result of await trySockets(browser, conference.id, [conference.names, 'agreements'])) {
				expect(result, browser.label).toEqual({ doc: result.doc, status: 403, frames: 0, leaked: [] });
			}
			const { problems } = await walkEveryRoute(
				browser.label,
				browser,
				{ id: [conference.id], code: [conference.roomCode], token: [conference.familyInviteToken] },
				[conference.names, conference.secret]
			);
			expect(problems).toEqual([]);
			const board = (await browser.pageData(`/c/${conference.id}`)).data.board as {
				participants: unknown[];
				connectedFamily: number;
			};
			expect(board.participants).toEqual([]);
			expect(typeof board.connectedFamily).toBe('number');
		}
		conference.annaPlan.provider.awareness.setLocalStateField('focus', 'agreements');
	});

	it("a family client cannot publish presence for another client's id", async () => {
		const before = seenByBram().get(annaClient())!;
		socket.send(
			awarenessMessage([
				{
					clientId: annaClient(),
					clock: 10_000,
					state: { user: { name: 'Coordinator', role: 'coordinator' }, focus: 'spoofed', cursor: null }
				}
			])
		);
		await afterMallorysMessages();
		expect(seenByBram().get(annaClient())).toEqual(before);
		expect(before.user?.name).toBe('Anna');
	});

	it('a spoofed name, role or participant is replaced by the truth from the session', async () => {
		socket.send(
			awarenessMessage([
				{
					clientId: MALLORY_CLIENT,
					clock: ++malloryClock,
					state: {
						user: { name: 'Anna', role: 'coordinator', participantId: annaId, color: 'red' },
						focus: 'spoof-name'
					}
				}
			])
		);
		await waitUntil(() => seenByBram().get(MALLORY_CLIENT)?.focus === 'spoof-name', 'Bram to see Mallory');
		expect(seenByBram().get(MALLORY_CLIENT)?.user).toMatchObject({
			name: 'Mallory',
			role: 'family',
			participantId: malloryId
		});
	});

	it("a family client cannot wipe someone else's cursor", async () => {
		const before = seenByBram().get(annaClient())!;
		socket.send(awarenessMessage([{ clientId: annaClient(), clock: 20_000, state: null }]));
		socket.send(awarenessMessage([{ clientId: annaClient(), clock: 20_001, state: null, rawState: 'null' }]));
		await afterMallorysMessages();
		expect(seenByBram().get(annaClient())).toEqual(before);
	});

	it("cannot take over someone's cursor while their phone reconnects", async () => {
		const anna = conference.annaPlan.provider;
		const id = annaClient();
		anna.disconnect();
		await waitUntil(() => !seenByBram().has(id), "Bram to see Anna's phone drop");
		// Mallory saw Anna's id before; she grabs it while Anna is away.
		socket.send(
			awarenessMessage([{ clientId: id, clock: 30_000, state: { focus: 'hijacked', cursor: { anchor: 1, head: 1 } } }])
		);
		await afterMallorysMessages();
		expect(seenByBram().get(id)).toBeUndefined();
		anna.connect();
		await waitUntil(() => anna.wsconnected && anna.synced, 'Anna to reconnect');
		anna.awareness.setLocalStateField('focus', 'back-again');
		await waitUntil(() => seenByBram().get(id)?.focus === 'back-again', "Bram to see Anna's cursor again");
		expect(seenByBram().get(id)?.user).toMatchObject({ name: 'Anna', role: 'family', participantId: annaId });
	});

	it('leaves no family content in the server logs', () => {
		expect(found(kring.server.logs(), [conference.secret, conference.brief, conference.names])).toEqual([]);
	});
});
