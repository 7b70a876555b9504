import { beforeAll, afterEach, describe, expect, it } from 'vitest';
import { found } from '../support/found';
import { Browser, expectAction, type EventStream } from '../support/http-client';
import { kringForThisFile } from '../support/server';
import { boardData, joinAsFamily } from '../support/steps';
import { waitUntil } from '../support/yjs-client';
import { assertFamilyStillSyncs, seedConference, type Seeded } from './seeded-conference';

/**
 * The live status line (`/c/<id>/events`) is open to anyone with a place in the conference,
 * including a device that only typed the room code and waits at the door. A script on such a
 * device opens stream after stream. None of it may slow down the family: the next door request
 * still reaches them and is answered at once, the device at the door hears nothing but its own
 * answer, and one session keeps a few streams only.
 */
describe('a flood of live streams cannot stall the door', () => {
	const kring = kringForThisFile();
	let conference: Seeded;
	const streams: EventStream[] = [];
	const path = () => `/c/${conference.id}/events`;
	const familyBoard = async () => (await boardData(conference.anna, conference.id)).board!;

	async function open(browser: Browser): Promise<EventStream> {
		const stream = await browser.events(path());
		streams.push(stream);
		return stream;
	}

	/** A device that typed the room code during private time: it waits at the door. */
	async function atTheDoor(label: string): Promise<{ browser: Browser; name: string }> {
		const name = conference.newName(label.replace(/\W+/g, '-'));
		const { client: browser } = await joinAsFamily(kring.server, conference.roomCode, name, { presence: 'room' });
		expect((await boardData(browser, conference.id)).waiting).toBe(true);
		return { browser, name };
	}

	async function waitingId(name: string): Promise<string> {
		return waitUntil(async () => (await familyBoard()).waiting.find((w) => w.name === name)?.id, `${name} at the door`);
	}

	/**
	 * From a door request to its answer, as people live it: the device types the room code and
	 * waits; the request reaches Anna's open board; Anna lets it in; the device hears it is in.
	 */
	async function doorRequestAnswered(label: string, annaEvents: EventStream): Promise<number> {
		const before = annaEvents.events.length;
		const started = performance.now();
		const { browser, name } = await atTheDoor(label);
		const own = await open(browser);
		await waitUntil(() => annaEvents.events.length > before, 'the door request to reach Anna', { timeoutMs: 180_000 });
		const id = await waitingId(name);
		expectAction(
			await conference.anna.action(`/c/${conference.id}`, 'door', { participantId: id, decision: 'admit' }),
			'success'
		);
		await waitUntil(
			() => own.events.some((e) => e.event === 'status' && (e.data as { status: string }).status === 'active'),
			`${label} to hear it was let in`,
			{ timeoutMs: 180_000 }
		);
		return performance.now() - started;
	}

	beforeAll(async () => {
		conference = await seedConference(kring);
		await conference.phase(conference.coordinator, 'private');
	});
	afterEach(async () => {
		for (const stream of streams.splice(0)) stream.close();
		await assertFamilyStillSyncs(conference);
	});

	it('a device at the door opens 300 streams; the next door request still reaches the family and is answered within a second', async () => {
		const annaEvents = await open(conference.anna);
		await waitUntil(() => annaEvents.events.length > 0, 'Anna’s status line');
		const { browser: lurker } = await atTheDoor('lurker');

		const flood = await Promise.all(Array.from({ length: 300 }, () => open(lurker)));
		await waitUntil(
			() => flood.every((stream) => stream.events.length > 0 || stream.ended),
			'every stream of the flood to be answered',
			{ timeoutMs: 180_000 }
		);

		const elapsed = await doorRequestAnswered('newcomer after one device’s flood', annaEvents);
		console.info(`[floods] door request answered in ${Math.round(elapsed)} ms after one device opened 300 streams`);
		expect(elapsed).toBeLessThan(1000);
		// The flood kept a handful of streams; the rest were told to make way and ended.
		expect(flood.filter((stream) => !stream.ended).length).toBeLessThanOrEqual(4);
	}, 600_000);

	it('sixty devices at the door with five streams each do not slow the door down either', async () => {
		const annaEvents = await open(conference.anna);
		await waitUntil(() => annaEvents.events.length > 0, 'Anna’s status line');
		const devices = [];
		for (let i = 0; i < 60; i++) devices.push((await atTheDoor(`crowd ${i}`)).browser);
		const flood = await Promise.all(devices.flatMap((device) => Array.from({ length: 5 }, () => open(device))));
		await waitUntil(
			() => flood.every((stream) => stream.events.length > 0 || stream.ended),
			'every stream of the crowd to be answered',
			{ timeoutMs: 180_000 }
		);

		const elapsed = await doorRequestAnswered('newcomer after the crowd', annaEvents);
		console.info(`[floods] door request answered in ${Math.round(elapsed)} ms with 60 devices × 5 streams at the door`);
		expect(elapsed).toBeLessThan(1000);
	}, 600_000);

	it('a device at the door hears its own answer and nothing else: no phase, no family count, no door news', async () => {
		const { anna, bram, coordinator, id } = conference;
		const annaEvents = await open(anna);
		await waitUntil(() => annaEvents.events.length > 0, 'Anna’s status line');
		const admitted = await atTheDoor('to be let in');
		const declined = await atTheDoor('to be sent away');
		const admittedEvents = await open(admitted.browser);
		const declinedEvents = await open(declined.browser);
		await waitUntil(() => admittedEvents.events.length > 0 && declinedEvents.events.length > 0, 'their first status');
		for (const stream of [admittedEvents, declinedEvents])
			expect(stream.events).toEqual([{ event: 'status', data: { status: 'waiting' } }]);

		// Meanwhile the conference lives on: someone else knocks at the door, Bram opens his board,
		// the coordinator knocks. Anna hears of each; the devices at the door must not.
		let seen = annaEvents.events.length;
		const heard = async (what: string) => {
			await waitUntil(() => annaEvents.events.length > seen, `Anna to hear ${what}`);
			seen = annaEvents.events.length;
		};
		const other = await atTheDoor('someone else');
		await heard('a new door request');
		const bramEvents = await open(bram);
		await waitUntil(() => bramEvents.events.length > 0, 'Bram’s status line');
		await heard('Bram opening his board');
		expectAction(await coordinator.action(`/c/${id}`, 'knock'), 'success');
		await heard('the knock');

		expectAction(
			await anna.action(`/c/${id}`, 'door', { participantId: await waitingId(admitted.name), decision: 'admit' }),
			'success'
		);
		expectAction(
			await anna.action(`/c/${id}`, 'door', { participantId: await waitingId(declined.name), decision: 'decline' }),
			'success'
		);
		await waitUntil(() => admittedEvents.events.length > 1 && declinedEvents.ended, 'both answers');
		// Let in: from now on a family member, with what every family member's status line carries.
		expect(admittedEvents.events.slice(1, 2)).toEqual([
			{ event: 'status', data: { phase: 'private', status: 'active', connectedFamily: expect.any(Number) } }
		]);
		expect(declinedEvents.events).toEqual([
			{ event: 'status', data: { status: 'waiting' } },
			{ event: 'gone', data: { erased: false } }
		]);
		const names = [admitted.name, declined.name, other.name];
		for (const stream of [admittedEvents, declinedEvents]) expect(found(stream.text, names)).toEqual([]);
		expectAction(
			await anna.action(`/c/${id}`, 'door', { participantId: await waitingId(other.name), decision: 'decline' }),
			'success'
		);
		expectAction(await anna.action(`/c/${id}`, 'answerKnock', { answer: 'not_yet' }), 'success');
	});

	it('one session keeps at most four streams: the oldest makes way, so a phone that reloads is never locked out', async () => {
		const { anna, coordinator, id } = conference;
		const opened: EventStream[] = [];
		for (let i = 0; i < 6; i++) {
			const stream = await open(anna);
			await waitUntil(() => stream.events.length > 0, `stream ${i + 1} to open`);
			opened.push(stream);
		}
		await waitUntil(() => opened[0].ended && opened[1].ended, 'the two oldest streams to make way');
		for (const stream of opened.slice(0, 2)) expect(stream.events.at(-1)).toEqual({ event: 'superseded', data: {} });

		// The four newest still hear what happens.
		const counts = opened.map((stream) => stream.events.length);
		expectAction(await coordinator.action(`/c/${id}`, 'knock'), 'success');
		await waitUntil(
			() => opened.slice(2).every((stream, i) => stream.events.length > counts[i + 2]),
			'the four newest streams to hear the knock'
		);
		expect(opened.slice(2).every((stream) => !stream.ended)).toBe(true);
		expectAction(await anna.action(`/c/${id}`, 'answerKnock', { answer: 'not_yet' }), 'success');
	});

	it('leaves no family content in the server logs', () => {
		expect(found(kring.server.logs(), [conference.secret, conference.brief])).toEqual([]);
	});
});
