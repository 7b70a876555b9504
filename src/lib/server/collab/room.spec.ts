import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import type { WebSocket } from 'ws';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { access } from '$lib/conference/access';
import type { DocumentName, Phase, Role } from '$lib/conference/phases';
import { addConcern } from '../../../../tests/support/edits';
import { waitForConvergence, waitUntil } from '../../../../tests/support/yjs-client';
import type { BusMessage } from '../bus';
import { CollabConnection } from './connection';
import type { CollabBus, DocumentStore, PhaseAt } from './hooks';
import { CLOSE, encodeSyncStep1, encodeUpdate, MESSAGE_AUTH, MESSAGE_AWARENESS, MESSAGE_SYNC } from './protocol';
import { MalformedMessageError, Room } from './room';

/**
 * One Room used directly: phones are Y.Docs speaking y-protocols' sync over an in-memory socket,
 * and the store, the bus and the stored phase are fakes the test holds.
 */

type Deferred = { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void };

function deferred(): Deferred {
	let resolve!: () => void;
	let reject!: (error: Error) => void;
	const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
	return { promise, resolve, reject };
}

/**
 * A store whose commits the test lets through one by one (or at once, with `autoCommit`). With
 * `fence` set, it refuses every write as the database does once the stored phase forbids it.
 */
function heldStore(initial: Uint8Array | null = null) {
	const committed: Uint8Array[] = [];
	const waiting: { update: Uint8Array; commit: Deferred }[] = [];
	let autoCommit = true;
	let fence: PhaseAt | null = null;
	let loads = 0;
	const store: DocumentStore = {
		async loadState() {
			loads++;
			return committed.length > 0 ? Y.mergeUpdates(initial ? [initial, ...committed] : committed) : initial;
		},
		async appendUpdate(_conferenceId, _documentName, update) {
			const commit = deferred();
			if (autoCommit) commit.resolve();
			else waiting.push({ update, commit });
			await commit.promise;
			if (fence) return { stored: false, ...fence };
			committed.push(update);
			return { stored: true };
		},
		// Saving never stalls here, and every stored document reads.
		onSaving: () => () => {},
		isSavingPaused: () => false,
		onRewritten: () => () => {},
		isUnreadable: () => false
	};
	return {
		store,
		committed,
		waiting,
		hold: () => (autoCommit = false),
		fenceAt: (phase: PhaseAt) => (fence = phase),
		loads: () => loads
	};
}

function fakeBus() {
	const published: BusMessage[] = [];
	const bus: CollabBus = {
		publish: (message) => void published.push(message),
		subscribe: () => () => {},
		onResync: () => () => {}
	};
	return { bus, published };
}

/** The socket end the server holds, delivering to the phone a tick later, as a network would. */
function socketTo(deliver: (message: Uint8Array) => void) {
	const socket = {
		OPEN: 1,
		CONNECTING: 0,
		readyState: 1,
		closedWith: null as { code: number; reason: string } | null,
		send(message: Uint8Array, done?: (error?: Error) => void) {
			queueMicrotask(() => deliver(message));
			done?.();
		},
		close(code: number, reason: string) {
			socket.readyState = 3;
			socket.closedWith = { code, reason };
		},
		terminate() {
			socket.readyState = 3;
		}
	};
	return socket;
}

type Phone = {
	doc: Y.Doc;
	connection: CollabConnection;
	socket: ReturnType<typeof socketTo>;
	received: Uint8Array[];
	/** Sends raw bytes to the room as this phone's socket would. */
	send(data: Uint8Array): void;
	/** Resolves once every message this phone sent so far has been handled by the room. */
	handled(): Promise<void>;
};

/** A phone on the room: what it receives goes through y-protocols' sync into its doc, its edits go to the room. */
function join(room: Room, who: { participantId: string; role: Role }): Phone {
	const doc = new Y.Doc();
	const received: Uint8Array[] = [];
	const socket = socketTo((message) => {
		received.push(message);
		const decoder = decoding.createDecoder(message);
		if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return;
		const reply = encoding.createEncoder();
		encoding.writeVarUint(reply, MESSAGE_SYNC);
		syncProtocol.readSyncMessage(decoder, reply, doc, room);
		if (encoding.length(reply) > 1) send(encoding.toUint8Array(reply));
	});
	const user = { name: who.participantId, role: who.role, color: 'black', participantId: who.participantId };
	const connection = new CollabConnection(
		socket as unknown as WebSocket,
		`session-${who.participantId}`,
		who.participantId,
		who.role,
		user,
		access(who.role, room.phase, room.documentName)
	);
	connection.pending = false;
	// The same order CollabServer keeps: parsed at once, applied in the socket's order.
	const send = (data: Uint8Array) => {
		const step = room.accept(connection, data);
		connection.enqueue(async () => {
			await step();
		});
	};
	doc.on('update', (update: Uint8Array, origin: unknown) => {
		if (origin !== room) send(encodeUpdate(update));
	});
	room.add(connection);
	// As y-websocket does on open: ask the server for what this phone lacks.
	send(encodeSyncStep1(doc));
	return {
		doc,
		connection,
		socket,
		received,
		send,
		handled: () => new Promise<void>((resolve) => connection.enqueue(async () => resolve()))
	};
}

async function openRoom(
	phase: Phase,
	options: {
		store?: DocumentStore;
		bus?: CollabBus;
		stored?: PhaseAt | null;
		documentName?: DocumentName;
		pendingGraceMs?: number;
	} = {}
): Promise<Room> {
	const room = new Room(
		'conf1',
		options.documentName ?? 'plan',
		phase,
		1,
		options.store ?? heldStore().store,
		options.bus ?? fakeBus().bus,
		async () => options.stored ?? null,
		{ pendingGraceMs: options.pendingGraceMs }
	);
	await room.loaded;
	return room;
}

const anna = { participantId: 'p-anna', role: 'family' } as const;
const bob = { participantId: 'p-bob', role: 'family' } as const;
const carla = { participantId: 'p-carla', role: 'coordinator' } as const;

const notes = (doc: Y.Doc) => doc.getText('contingency').toString();
const concerns = (doc: Y.Doc) => doc.getArray('concerns').length;
function decodeAuthReason(message: Uint8Array): string {
	const decoder = decoding.createDecoder(message);
	decoding.readVarUint(decoder);
	decoding.readVarUint(decoder);
	return decoding.readVarString(decoder);
}
const deniedMessages = (phone: Phone) => phone.received.filter((message) => message[0] === MESSAGE_AUTH).length;

/**
 * Anna and Bob in a room whose store now holds every update until the test commits it; what the
 * room publishes on the bus is in `published`.
 */
async function twoPhonesOnAHeldStore() {
	const held = heldStore();
	const { bus, published } = fakeBus();
	const room = await openRoom('information', { store: held.store, bus });
	const a = join(room, anna);
	const b = join(room, bob);
	await Promise.all([a.handled(), b.handled()]);
	held.hold();
	return { ...held, published, room, a, b };
}

describe('Room', () => {
	it('two phones converge through the room', async () => {
		const room = await openRoom('information');
		const a = join(room, anna);
		const b = join(room, bob);

		a.doc.getText('contingency').insert(0, 'Anna kookt. ');
		b.doc.getText('contingency').insert(0, 'Bob haalt op. ');
		await waitForConvergence([a.doc, b.doc, room.doc]);
		expect(notes(a.doc)).toContain('Anna kookt.');
		expect(notes(a.doc)).toContain('Bob haalt op.');
	});

	it('a change reaches nobody, here or on another instance, before the store has committed it', async () => {
		const { room, a, b, waiting, committed, published } = await twoPhonesOnAHeldStore();

		a.doc.getText('contingency').insert(0, 'Anna kookt.');
		await waitUntil(() => waiting.length === 1, 'the update never reached the store');
		expect(notes(room.doc)).toBe('');
		expect(published.filter((message) => message.type === 'doc-update')).toEqual([]);

		waiting[0].commit.resolve();
		await a.handled();
		expect(committed).toHaveLength(1);
		expect(published.filter((message) => message.type === 'doc-update')).toHaveLength(1);
		await waitUntil(() => notes(b.doc) === 'Anna kookt.', 'the committed change did not reach Bob', { docs: [b.doc] });
	});

	it('keystrokes stored in one commit reach each other phone as one message, each announced on the bus', async () => {
		const { a, b, waiting, published } = await twoPhonesOnAHeldStore();

		const text = a.doc.getText('contingency');
		for (const letter of 'Anna') text.insert(text.length, letter);
		await waitUntil(() => waiting.length === 4, 'the keystrokes never reached the store');
		const before = b.received.length;
		// One commit stores all four, as a group commit does for a burst of typing.
		for (const { commit } of waiting) commit.resolve();
		await a.handled();
		await waitUntil(() => notes(b.doc) === 'Anna', 'the keystrokes did not reach Bob', { docs: [b.doc] });

		const updates = b.received.slice(before).filter((message) => message[0] === MESSAGE_SYNC);
		expect(updates).toHaveLength(1);
		expect(published.filter((message) => message.type === 'doc-update')).toHaveLength(4);
	});

	it("a reader's update is neither stored nor sent on, and the reader is told once why", async () => {
		const { store, committed } = heldStore();
		const room = await openRoom('presentation', { store });
		const a = join(room, anna);
		const c = join(room, carla);
		expect(c.connection.access).toBe('read');

		const intruder = new Y.Doc();
		intruder.getText('contingency').insert(0, 'de coördinator schrijft');
		c.send(encodeUpdate(Y.encodeStateAsUpdate(intruder)));
		c.send(encodeUpdate(Y.encodeStateAsUpdate(intruder)));
		await c.handled();

		expect(committed).toEqual([]);
		expect(notes(room.doc)).toBe('');
		expect(deniedMessages(c)).toBe(1);
		await a.handled();
		expect(notes(a.doc)).toBe('');
	});

	it("a writer's update that does not fit the plan is neither stored nor sent on; the writer is told why and closed", async () => {
		const { store, committed } = heldStore();
		const room = await openRoom('information', { store });
		const a = join(room, anna);
		const b = join(room, bob);
		await Promise.all([a.handled(), b.handled()]);

		a.doc.getText('not-a-part-of-the-plan').insert(0, 'Anna schrijft ernaast');
		await a.handled();
		expect(a.socket.closedWith).toEqual({ code: CLOSE.refused.code, reason: CLOSE.refused.reason });
		const told = a.received.filter((message) => message[0] === MESSAGE_AUTH);
		expect(told.map((message) => decodeAuthReason(message))).toEqual(['refused: shape']);
		expect(committed).toEqual([]);
		expect(Y.encodeStateVector(room.doc)).toEqual(Y.encodeStateVector(new Y.Doc()));

		// Bob's keystroke after it is taken as always.
		b.doc.getText('contingency').insert(0, 'Bob haalt op.');
		await waitUntil(() => notes(room.doc) === 'Bob haalt op.', "Bob's edit did not reach the room", {
			docs: [room.doc]
		});
		expect(committed).toHaveLength(1);
	});

	it('a phase change closes those who lose access and turns writers into readers; news of a lower version changes nothing', async () => {
		const room = new Room('conf1', 'brief', 'information', 10, heldStore().store, fakeBus().bus, async () => null);
		await room.loaded;
		const a = join(room, anna);
		const c = join(room, carla);
		expect([a.connection.access, c.connection.access]).toEqual(['write', 'write']);

		expect(room.applyPhase('private', 20)).toBe(1);
		expect(c.socket.closedWith).toEqual({ code: CLOSE.revoked.code, reason: CLOSE.revoked.reason });
		expect(room.connections.has(c.connection)).toBe(false);
		expect(a.connection.access).toBe('read');

		expect(room.applyPhase('information', 15)).toBe(0);
		expect(room.phase).toBe('private');
		expect(a.connection.access).toBe('read');
	});

	it('takes the phase stored meanwhile when it has loaded, and starts from the stored document', async () => {
		const stored = new Y.Doc();
		stored.getText('contingency').insert(0, 'al opgeslagen');
		const room = await openRoom('information', {
			store: heldStore(Y.encodeStateAsUpdate(stored)).store,
			stored: { phase: 'private', version: 2 }
		});
		expect(room.phase).toBe('private');
		expect(notes(room.doc)).toBe('al opgeslagen');

		const a = join(room, anna);
		await waitUntil(() => notes(a.doc) === 'al opgeslagen', 'the phone did not get the stored plan', { docs: [a.doc] });
	});

	it('a write the store fences out reaches nobody, and the room takes the stored phase at once', async () => {
		const { store, committed, fenceAt } = heldStore();
		const { bus, published } = fakeBus();
		const room = await openRoom('information', { store, bus, documentName: 'brief' });
		const a = join(room, anna);
		const c = join(room, carla);
		await Promise.all([a.handled(), c.handled()]);

		// The hand-over is stored (version 2), but its news never reached this instance.
		fenceAt({ phase: 'private', version: 2 });
		addConcern(c.doc, 'de coördinator schrijft na de overdracht', { ...carla, name: carla.participantId });
		await c.handled();

		expect(c.socket.closedWith).toEqual({ code: CLOSE.revoked.code, reason: CLOSE.revoked.reason });
		expect([room.phase, room.phaseVersion]).toEqual(['private', 2]);
		expect(a.connection.access).toBe('read');
		expect(committed).toEqual([]);
		expect(concerns(room.doc)).toBe(0);
		expect(published.filter((message) => message.type === 'doc-update')).toEqual([]);
		await a.handled();
		expect(concerns(a.doc)).toBe(0);
	});

	it('a family edit fenced out by acceptance is refused as read-only and kept from the others', async () => {
		const { store, committed, fenceAt } = heldStore();
		const room = await openRoom('presentation', { store });
		const a = join(room, anna);
		const b = join(room, bob);
		await Promise.all([a.handled(), b.handled()]);

		fenceAt({ phase: 'accepted', version: 5 });
		a.doc.getText('contingency').insert(0, 'na de aanvaarding');
		await a.handled();

		expect(a.socket.closedWith).toBeNull();
		expect(a.connection.access).toBe('read');
		expect(deniedMessages(a)).toBe(1);
		expect(committed).toEqual([]);
		await b.handled();
		expect(notes(b.doc)).toBe('');
	});

	it('updates held back for a predecessor lost on the bus are completed from the store', async () => {
		const { store } = heldStore();
		const { bus, published } = fakeBus();
		const room = await openRoom('private', { store, bus, pendingGraceMs: 20 });
		const a = join(room, anna);
		await a.handled();

		// Another instance stored two edits of one phone; the first one's bus message was lost.
		const other = new Y.Doc();
		other.getText('contingency').insert(0, 'eerst');
		const first = Y.encodeStateAsUpdate(other);
		const before = Y.encodeStateVector(other);
		other.getText('contingency').insert(5, ', dan');
		const second = Y.encodeStateAsUpdate(other, before);
		await store.appendUpdate('conf1', 'plan', first, 'family');
		await store.appendUpdate('conf1', 'plan', second, 'family');
		room.applyFromBus(second);
		expect(notes(room.doc)).toBe('');

		await waitUntil(() => notes(a.doc) === 'eerst, dan', 'the held-back edit never reached the phone', {
			docs: [a.doc]
		});
		expect(notes(room.doc)).toBe('eerst, dan');
		// Read from the store, not news: the other instances are not told again.
		expect(published.filter((message) => message.type === 'doc-update')).toEqual([]);
	});

	it('removing a participant closes their sockets only', async () => {
		const room = await openRoom('information');
		const a = join(room, anna);
		const b = join(room, bob);

		expect(room.closeParticipant(bob.participantId, CLOSE.removed.code, CLOSE.removed.reason)).toBe(1);
		expect(b.socket.closedWith).toEqual({ code: CLOSE.removed.code, reason: CLOSE.removed.reason });
		expect(a.socket.closedWith).toBeNull();
		expect([...room.connections]).toEqual([a.connection]);
	});

	it('refuses bytes that are not the protocol before anything acts on them', async () => {
		const { store, committed } = heldStore();
		const room = await openRoom('information', { store });
		const a = join(room, anna);
		expect(() => room.accept(a.connection, new Uint8Array([7, 1, 2]))).toThrow(MalformedMessageError);
		expect(() => room.accept(a.connection, new Uint8Array([MESSAGE_SYNC, 2, 3, 255, 255, 255]))).toThrow(
			MalformedMessageError
		);
		// A sync step 1 whose state vector breaks off: the asker's fault, found before it is answered.
		expect(() => room.accept(a.connection, new Uint8Array([MESSAGE_SYNC, 0, 5, 1, 237, 135, 192, 255, 15, 6]))).toThrow(
			MalformedMessageError
		);
		expect(committed).toEqual([]);
	});
});

/** A caret (awareness) message as a y-websocket client sends it. */
function caretMessage(entries: { clientId: number; clock: number; state: unknown }[]): Uint8Array {
	const payload = encoding.createEncoder();
	encoding.writeVarUint(payload, entries.length);
	for (const entry of entries) {
		encoding.writeVarUint(payload, entry.clientId);
		encoding.writeVarUint(payload, entry.clock);
		encoding.writeVarString(payload, JSON.stringify(entry.state));
	}
	const message = encoding.createEncoder();
	encoding.writeVarUint(message, MESSAGE_AWARENESS);
	encoding.writeVarUint8Array(message, encoding.toUint8Array(payload));
	return encoding.toUint8Array(message);
}

type PresenceEntry = { clientId: number; clock: number; state: { user: { name: string }; cursor: unknown } | null };

/** The presence messages a phone received, each as its entries. */
function presenceReceived(phone: Phone): PresenceEntry[][] {
	return phone.received
		.filter((message) => message[0] === MESSAGE_AWARENESS)
		.map((message) => {
			const decoder = decoding.createDecoder(message);
			decoding.readVarUint(decoder);
			const payload = decoding.createDecoder(decoding.readVarUint8Array(decoder));
			return Array.from({ length: decoding.readVarUint(payload) }, () => ({
				clientId: decoding.readVarUint(payload),
				clock: decoding.readVarUint(payload),
				state: JSON.parse(decoding.readVarString(payload)) as PresenceEntry['state']
			}));
		});
}

const caretAt = (position: number) => ({
	cursor: { anchor: position, head: position },
	user: { name: 'Someone else' }
});

describe('Room presence', () => {
	it('sends a caret on with the name from the session, and never an entry older than what the room holds', async () => {
		const room = await openRoom('information');
		const a = join(room, anna);
		const b = join(room, bob);
		await Promise.all([a.handled(), b.handled()]);

		a.send(caretMessage([{ clientId: 11, clock: 2, state: caretAt(5) }]));
		await a.handled();
		// Clock 1 of client 11 is older than the room's clock 2: only client 12 changes.
		a.send(
			caretMessage([
				{ clientId: 11, clock: 1, state: caretAt(9) },
				{ clientId: 12, clock: 1, state: caretAt(3) }
			])
		);
		await waitUntil(
			() => presenceReceived(b).some((entries) => entries.some((entry) => entry.clientId === 12)),
			'the second caret never reached Bob'
		);

		const received = presenceReceived(b).flat();
		expect(received.filter((entry) => entry.clientId === 11)).toEqual([
			{
				clientId: 11,
				clock: 2,
				state: { user: expect.objectContaining({ name: 'p-anna' }), cursor: { anchor: 5, head: 5 } }
			}
		]);
		expect(received.filter((entry) => entry.clientId === 12)).toEqual([
			{
				clientId: 12,
				clock: 1,
				state: { user: expect.objectContaining({ name: 'p-anna' }), cursor: { anchor: 3, head: 3 } }
			}
		]);
		expect(room.awareness.getStates().get(11)).toMatchObject({ cursor: { anchor: 5, head: 5 } });
	});

	it('carets sent in one turn reach each phone as one message with every client’s latest caret', async () => {
		const room = await openRoom('information');
		const a = join(room, anna);
		const b = join(room, bob);
		const c = join(room, { participantId: 'p-cas', role: 'family' });
		await Promise.all([a.handled(), b.handled(), c.handled()]);
		const before = presenceReceived(c).length;

		a.send(caretMessage([{ clientId: 21, clock: 1, state: caretAt(1) }]));
		a.send(caretMessage([{ clientId: 21, clock: 2, state: caretAt(2) }]));
		b.send(caretMessage([{ clientId: 22, clock: 1, state: caretAt(7) }]));
		a.send(caretMessage([{ clientId: 21, clock: 3, state: caretAt(4) }]));
		await Promise.all([a.handled(), b.handled()]);
		// One turn's sends to a phone are delivered together: once one has arrived, all have.
		await waitUntil(() => presenceReceived(c).length > before, 'no presence reached Cas');

		const received = presenceReceived(c).slice(before);
		expect(received).toHaveLength(1);
		expect(received[0].map(({ clientId, clock, state }) => ({ clientId, clock, cursor: state?.cursor }))).toEqual([
			{ clientId: 21, clock: 3, cursor: { anchor: 4, head: 4 } },
			{ clientId: 22, clock: 1, cursor: { anchor: 7, head: 7 } }
		]);
	});
});
