import { afterEach, describe, expect, it } from 'vitest';
import type { ParticipantStatus } from '$lib/conference/participants';
import type { Phase, Role } from '$lib/conference/phases';
import { waitUntil } from '../../../tests/support/yjs-client';
import { Bus, type BusHandler, type BusMessage, type ResyncHandler } from './bus';
import { LiveStatus, type ConferenceStanding, type LiveStatusOptions, type StatusListener } from './live-status';

/**
 * The status lines of one process, with the database replaced by a conference in memory whose
 * every read is counted (and can be held open), and streams that record what they were told.
 */
const CONFERENCE = 'conf1';

type Stream = StatusListener & { heard: { event: string; data: object }[]; closed: boolean; stop: () => void };

function setUp(
	people: Record<string, { role: Role; status: ParticipantStatus }>,
	phase: Phase = 'private',
	options: Partial<LiveStatusOptions> = {}
) {
	const bus = new Bus();
	const handlers: BusHandler[] = [];
	const resyncs: ResyncHandler[] = [];
	const conference = { phase, people: new Map(Object.entries(people)) };
	const reads: string[] = [];
	let hold: Promise<void> | null = null;
	let fail = false;
	let erased = false;
	const published: string[][] = [];
	bus.subscribe((message) => {
		if (message.type === 'presence') published.push(message.participantIds);
	});
	const read = async (conferenceId: string): Promise<ConferenceStanding> => {
		reads.push(conferenceId);
		if (hold) await hold;
		if (fail) throw new Error('the database is away');
		if (erased) return null;
		const participants = new Map([...conference.people].map(([id, person]) => [id, person.status]));
		return { phase: conference.phase, participants };
	};
	const live = new LiveStatus(
		{
			publish: (message) => bus.publish(message),
			subscribe: (handler) => (handlers.push(handler), bus.subscribe(handler)),
			onResync: (handler) => (resyncs.push(handler), () => {})
		},
		read,
		{ settleMs: 5, ...options }
	);
	const streams: Stream[] = [];
	return {
		bus,
		live,
		conference,
		reads,
		published,
		failReads: (value: boolean) => void (fail = value),
		erase: () => void (erased = true),
		/** Reads wait until the returned function is called. */
		holdReads() {
			let release!: () => void;
			hold = new Promise((resolve) => (release = resolve));
			return () => {
				hold = null;
				release();
			};
		},
		open(participantId: string, sessionId = `s-${participantId}`): Stream {
			const person = conference.people.get(participantId)!;
			const stream = {
				sessionId,
				participantId,
				role: person.role,
				status: person.status as 'active' | 'waiting',
				heard: [] as Stream['heard'],
				closed: false,
				send(event: string, data: object) {
					if (!stream.closed) stream.heard.push({ event, data });
				},
				close() {
					stream.closed = true;
					stream.stop();
				},
				stop: () => {}
			};
			stream.stop = live.listen(CONFERENCE, stream, { phase: conference.phase });
			streams.push(stream);
			return stream;
		},
		change() {
			bus.publish({ type: 'status', conferenceId: CONFERENCE });
		},
		/** A message from another instance, as it arrives over Redis. */
		fromElsewhere(message: BusMessage) {
			for (const handler of handlers) handler({ ...message, origin: 'another-instance' }, false);
		},
		/** A gap on the bus (its subscriber reconnected): what the bus then runs. */
		gap: () => Promise.all(resyncs.map((handler) => handler())),
		closeAll() {
			streams.forEach((stream) => stream.stop());
			live.close();
		}
	};
}

/** Lets the gathered changes be read: the settle time, then the read's own promise. */
const settled = () => new Promise((resolve) => setTimeout(resolve, 30));

let closeAll = () => {};
afterEach(() => closeAll());

describe('LiveStatus', () => {
	it('a change costs one read for the whole conference, however many streams listen', async () => {
		const family = Object.fromEntries(
			Array.from({ length: 300 }, (_, i) => [`p-${i}`, { role: 'family' as const, status: 'active' as const }])
		);
		const status = setUp(family);
		closeAll = status.closeAll;
		const streams = Object.keys(family).map((id) => status.open(id));
		await settled();
		const readsAfterOpening = status.reads.length;
		const heardBefore = streams.map((stream) => stream.heard.length);

		for (let i = 0; i < 50; i++) status.change();
		await settled();

		expect(status.reads.length - readsAfterOpening).toBe(1);
		expect(streams.every((stream, i) => stream.heard.length === heardBefore[i] + 1)).toBe(true);
		expect(streams[0].heard.at(-1)).toEqual({
			event: 'status',
			data: { phase: 'private', status: 'active', connectedFamily: 300 }
		});
	});

	it('changes that come while a read runs share one more read after it', async () => {
		const status = setUp({ anna: { role: 'family', status: 'active' } });
		closeAll = status.closeAll;
		const anna = status.open('anna');
		await settled();
		const before = status.reads.length;
		const heard = anna.heard.length;
		const release = status.holdReads();
		status.change();
		await settled();
		for (let i = 0; i < 20; i++) status.change();
		await settled();
		expect(status.reads.length - before).toBe(1);
		release();
		await settled();
		await settled();
		expect(status.reads.length - before).toBe(2);
		expect(anna.heard.length - heard).toBe(2);
	});

	it('a device at the door hears its own answer only, and counts for nothing until it is let in', async () => {
		const status = setUp({
			anna: { role: 'family', status: 'active' },
			stranger: { role: 'family', status: 'waiting' },
			other: { role: 'family', status: 'waiting' }
		});
		closeAll = status.closeAll;
		const anna = status.open('anna');
		const stranger = status.open('stranger');
		const other = status.open('other');
		expect(stranger.heard).toEqual([{ event: 'status', data: { status: 'waiting' } }]);
		expect(status.live.connectedFamily(CONFERENCE)).toBe(1);

		status.conference.phase = 'presentation';
		status.change();
		status.conference.people.set('newcomer', { role: 'family', status: 'waiting' });
		status.change();
		await settled();
		expect(anna.heard.at(-1)).toEqual({
			event: 'status',
			data: { phase: 'presentation', status: 'active', connectedFamily: 1 }
		});
		expect(stranger.heard).toHaveLength(1);

		status.conference.people.set('stranger', { role: 'family', status: 'active' });
		status.conference.people.set('other', { role: 'family', status: 'declined' });
		status.change();
		await settled();
		// Let in, the stranger is a family member with a board open, and counted as one.
		expect(stranger.heard[1]).toEqual({
			event: 'status',
			data: { phase: 'presentation', status: 'active', connectedFamily: 2 }
		});
		expect(other.heard).toEqual([
			{ event: 'status', data: { status: 'waiting' } },
			{ event: 'gone', data: { erased: false } }
		]);
		expect(other.closed).toBe(true);
		expect(status.live.connectedFamily(CONFERENCE)).toBe(2);
	});

	it('opening and closing streams at the door publishes nothing and reads nothing', async () => {
		const status = setUp({ anna: { role: 'family', status: 'active' }, lurker: { role: 'family', status: 'waiting' } });
		closeAll = status.closeAll;
		const anna = status.open('anna');
		await settled();
		const reads = status.reads.length;
		const published = status.published.length;
		const heard = anna.heard.length;
		for (let i = 0; i < 300; i++) status.open('lurker').stop();
		await settled();
		expect(status.reads.length).toBe(reads);
		expect(status.published.length).toBe(published);
		expect(anna.heard.length).toBe(heard);
	});

	it('a second stream of someone already counted publishes no new count', async () => {
		const status = setUp({ anna: { role: 'family', status: 'active' } });
		closeAll = status.closeAll;
		status.open('anna');
		const second = status.open('anna', 'another-session');
		second.stop();
		expect(status.published).toEqual([['anna']]);
	});

	it('one session keeps four streams on a conference: the fifth pushes the oldest out', async () => {
		const status = setUp({ anna: { role: 'family', status: 'active' }, bram: { role: 'family', status: 'active' } });
		closeAll = status.closeAll;
		const bram = status.open('bram');
		const annas = Array.from({ length: 6 }, () => status.open('anna'));
		expect(annas.map((stream) => stream.closed)).toEqual([true, true, false, false, false, false]);
		expect(annas[0].heard.map((h) => h.event)).toEqual(['status', 'superseded']);
		status.change();
		await settled();
		expect(annas.map((stream) => stream.heard.length)).toEqual([2, 2, 2, 2, 2, 2]);
		expect(bram.closed).toBe(false);
		expect(bram.heard.map((h) => h.event)).toEqual(['status', 'status']);
	});

	it('a read that fails tells nobody they are gone; the next change reads again', async () => {
		const status = setUp({ anna: { role: 'family', status: 'active' } });
		closeAll = status.closeAll;
		const anna = status.open('anna');
		await settled();
		const heard = anna.heard.length;
		status.failReads(true);
		status.change();
		await settled();
		expect(anna.closed).toBe(false);
		expect(anna.heard).toHaveLength(heard);
		status.failReads(false);
		status.change();
		await settled();
		expect(anna.heard.slice(heard).map((h) => h.event)).toEqual(['status']);
	});

	it('a participant who is gone, or a conference that is gone, ends the stream with `gone`', async () => {
		const status = setUp({
			anna: { role: 'family', status: 'active' },
			carla: { role: 'coordinator', status: 'active' }
		});
		closeAll = status.closeAll;
		const anna = status.open('anna');
		const carla = status.open('carla');
		status.conference.people.set('anna', { role: 'family', status: 'removed' });
		status.change();
		await settled();
		expect(anna.heard.at(-1)).toEqual({ event: 'gone', data: { erased: false } });
		expect(anna.closed).toBe(true);
		expect(carla.closed).toBe(false);
		status.conference.people.delete('carla');
		status.change();
		await settled();
		expect(carla.heard.at(-1)).toEqual({ event: 'gone', data: { erased: false } });
	});

	it('a conference that was erased ends every stream with `gone` and says so', async () => {
		const status = setUp({
			anna: { role: 'family', status: 'active' },
			carla: { role: 'coordinator', status: 'active' }
		});
		closeAll = status.closeAll;
		const anna = status.open('anna');
		const carla = status.open('carla');
		status.erase();
		status.change();
		await settled();
		for (const stream of [anna, carla]) {
			expect(stream.heard.at(-1)).toEqual({ event: 'gone', data: { erased: true } });
			expect(stream.closed).toBe(true);
		}
	});

	it('a family count another instance stops repeating is forgotten after three beats; this instance keeps repeating its own', async () => {
		const status = setUp({ anna: { role: 'family', status: 'active' } }, 'private', { heartbeatMs: 20 });
		closeAll = status.closeAll;
		const anna = status.open('anna');
		status.fromElsewhere({ type: 'presence', conferenceId: CONFERENCE, participantIds: ['bob', 'cleo'] });
		await waitUntil(
			() => (anna.heard.at(-1)?.data as { connectedFamily?: number }).connectedFamily === 3,
			'the board to count the family on the other instance'
		);

		// The other instance died: it says nothing more. Anna's board hears the count drop.
		await waitUntil(
			() => (anna.heard.at(-1)?.data as { connectedFamily?: number }).connectedFamily === 1,
			'the board to stop counting the family of the instance that is gone'
		);
		expect(status.live.connectedFamily(CONFERENCE)).toBe(1);
		expect(status.published.filter((ids) => ids.join() === 'anna').length).toBeGreaterThan(1);
	});

	it('after a gap on the bus every open status line reads its conference again', async () => {
		const status = setUp({ anna: { role: 'family', status: 'active' } });
		closeAll = status.closeAll;
		const anna = status.open('anna');
		await settled();
		const reads = status.reads.length;

		// The move to the presentation was made elsewhere, and its news was lost.
		status.conference.phase = 'presentation';
		await status.gap();
		await settled();
		expect(status.reads.length).toBe(reads + 1);
		expect(anna.heard.at(-1)).toEqual({
			event: 'status',
			data: { phase: 'presentation', status: 'active', connectedFamily: 1 }
		});
	});
});
