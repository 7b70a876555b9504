import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { access } from '$lib/conference/access';
import type { DocumentName, Phase, Role } from '$lib/conference/phases';
import { Browser } from '../../../../tests/support/http-client';
import { openRawSocket, upgradeStatus, type RawSocket } from '../../../../tests/support/raw-socket';
import { liveDocs, waitForClose, waitForConvergence, waitUntil } from '../../../../tests/support/yjs-client';
import { Bus, type BusHandler, type BusMessage, type ResyncHandler } from '../bus';
import { CollabServer } from './collab-server';
import type { CollabServerOptions, DocumentStore, PhaseAt, RevocationEvent, Rights, UpgradeRequest } from './hooks';
import { CLOSE, encodeSyncStep1, encodeUpdate, MESSAGE_AUTH } from './protocol';

/**
 * The live server on a real port, with real y-websocket clients, and fake hooks in place of
 * sessions and conferences: a person is a cookie value, a conference a phase in memory.
 */

type Person = {
	participantId: string;
	role: Role;
	name: string;
	active: boolean;
	removed?: boolean;
	signedOut?: boolean;
};

const CONFERENCE = 'conf1';

/** The store, fenced as the database is: a write is kept only while the stored phase lets its writer write. */
function memoryStore(conference: PhaseAt) {
	const updates = new Map<string, Uint8Array[]>();
	const loads: string[] = [];
	const store: DocumentStore = {
		async loadState(conferenceId, documentName) {
			loads.push(`${conferenceId}/${documentName}`);
			const stored = updates.get(`${conferenceId}/${documentName}`) ?? [];
			return stored.length > 0 ? Y.mergeUpdates(stored) : null;
		},
		async appendUpdate(conferenceId, documentName, update, writer) {
			if (access(writer, conference.phase, documentName) !== 'write') return { stored: false, ...conference };
			const key = `${conferenceId}/${documentName}`;
			updates.set(key, [...(updates.get(key) ?? []), update]);
			return { stored: true };
		},
		// Saving never stalls here, and every stored document reads.
		onSaving: () => () => {},
		isSavingPaused: () => false,
		onRewritten: () => () => {},
		isUnreadable: () => false
	};
	/** Stores an update as another instance would, without anyone here hearing of it. */
	const storedElsewhere = (documentName: DocumentName, update: Uint8Array) => {
		const key = `${CONFERENCE}/${documentName}`;
		updates.set(key, [...(updates.get(key) ?? []), update]);
	};
	/** The document as stored, for reading what reached the store. */
	const stored = (documentName: DocumentName): Y.Doc => {
		const doc = new Y.Doc();
		for (const update of updates.get(`${CONFERENCE}/${documentName}`) ?? []) Y.applyUpdate(doc, update);
		return doc;
	};
	return { store, loads, stored, storedElsewhere };
}

type Live = {
	address: { url: string; origin: string };
	collab: CollabServer<string>;
	bus: Bus;
	people: Map<string, Person>;
	authorizations: UpgradeRequest[];
	revocations: RevocationEvent[];
	logged: string[];
	loads: string[];
	stored: (documentName: DocumentName) => Y.Doc;
	storedElsewhere: (documentName: DocumentName, update: Uint8Array) => void;
	/** A browser holding this session cookie, for `openDoc` / `openRawSocket`; null: no cookie. */
	as(session: string | null): Browser;
	/** What the conference service does on a phase change: store it, then publish it. */
	changePhase(phase: Phase): void;
	/** A phase change whose bus message is lost: stored, never published. */
	changePhaseSilently(phase: Phase): void;
	/** The conference is erased: stored, never published. */
	eraseSilently(): void;
	/** A message from another instance, as the bus hands it over. */
	fromElsewhere(message: BusMessage): void;
	/** A compaction emptied the bin of a document (the store tells the live server). */
	rewritten(documentName: DocumentName): void;
	/** A gap on the bus (its subscriber reconnected): what the bus then runs. */
	gap(): Promise<void>;
	/** Every lease read: the sessions asked about, per conference. */
	leaseReads: Map<string, string[]>[];
	close(): Promise<void>;
};

async function startLive(
	phase: Phase,
	people: Record<string, Omit<Person, 'active'> & { active?: boolean }>,
	overrides: Partial<CollabServerOptions<string>> = {}
): Promise<Live> {
	const conference = { phase, version: 1 };
	let erased = false;
	const known = new Map(Object.entries(people).map(([session, person]) => [session, { active: true, ...person }]));
	const authorizations: UpgradeRequest[] = [];
	const revocations: RevocationEvent[] = [];
	const logged: string[] = [];
	const { store, loads, stored, storedElsewhere } = memoryStore(conference);
	const rewrittenListeners: Parameters<DocumentStore['onRewritten']>[0][] = [];
	store.onRewritten = (listener) => (rewrittenListeners.push(listener), () => {});
	const bus = new Bus();
	const handlers: BusHandler[] = [];
	const resyncs: ResyncHandler[] = [];
	const leaseReads: Map<string, string[]>[] = [];
	const accessOf = (person: Person | undefined, documentName: DocumentName) =>
		!person || person.removed || !person.active ? 'none' : access(person.role, conference.phase, documentName);
	const collab = new CollabServer<string>({
		bus: {
			publish: (message) => bus.publish(message),
			subscribe: (handler) => (handlers.push(handler), bus.subscribe(handler)),
			onResync: (handler) => (resyncs.push(handler), () => {})
		},
		store,
		allowedOrigins: [],
		// Kring's default (KRING_MAX_MESSAGE_BYTES).
		maxMessageBytes: 512 * 1024,
		async authorize(request) {
			authorizations.push(request);
			const session = /kring_session=(\w+)/.exec(request.cookie ?? '')?.[1];
			const person = session ? known.get(session) : undefined;
			if (!session || !person) return { ok: false, status: 401 };
			if (accessOf(person, request.documentName) === 'none') return { ok: false, status: 403 };
			return { ok: true, who: session, sessionId: `s-${session}`, ...person, ...conference };
		},
		async currentAccess(session, _conferenceId, documentName) {
			const person = known.get(session);
			if (!person || person.removed) return null;
			return { access: accessOf(person, documentName), ...conference };
		},
		async currentPhase() {
			return { ...conference };
		},
		async currentRights(asked) {
			leaseReads.push(asked);
			const answer = new Map<string, Rights>();
			if (erased) return answer;
			for (const [conferenceId, sessionIds] of asked) {
				const signedIn = new Set(sessionIds.filter((id) => !known.get(id.replace(/^s-/, ''))?.signedOut));
				const holding = new Set(
					[...signedIn].filter((id) => {
						const person = known.get(id.replace(/^s-/, ''));
						return person && person.active && !person.removed;
					})
				);
				answer.set(conferenceId, { ...conference, signedIn, holding });
			}
			return answer;
		},
		// Long enough that only a test that asks for the lease sees it.
		leaseMs: 60_000,
		onRevocation: (event) => revocations.push(event),
		log: (message) => logged.push(message),
		...overrides
	});
	const server: Server = createServer((_request, response) => response.writeHead(404).end());
	server.on('upgrade', (request, socket, head) => {
		if (!collab.handleUpgrade(request, socket, head)) socket.destroy();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		address: { url, origin: url },
		collab,
		bus,
		people: known,
		authorizations,
		revocations,
		logged,
		loads,
		stored,
		storedElsewhere,
		as(session) {
			const browser = new Browser({ url, origin: url }, session ?? 'nobody');
			if (session) browser.jar.set('kring_session', session);
			return browser;
		},
		changePhase(next) {
			conference.phase = next;
			conference.version++;
			bus.publish({ type: 'phase', conferenceId: CONFERENCE, phase: next, version: conference.version });
		},
		changePhaseSilently(next) {
			conference.phase = next;
			conference.version++;
		},
		eraseSilently() {
			erased = true;
		},
		fromElsewhere(message) {
			for (const handler of handlers) handler({ ...message, origin: 'elsewhere' }, false);
		},
		rewritten(documentName) {
			for (const listener of rewrittenListeners) listener(CONFERENCE, documentName);
		},
		async gap() {
			await Promise.all(resyncs.map((handler) => handler()));
		},
		leaseReads,
		async close() {
			await collab.close();
			server.closeAllConnections();
			await new Promise((resolve) => server.close(resolve));
		}
	};
}

const FAMILY = {
	anna: { participantId: 'p-anna', role: 'family', name: 'Anna' },
	bob: { participantId: 'p-bob', role: 'family', name: 'Bob' },
	cleo: { participantId: 'p-cleo', role: 'family', name: 'Cleo' }
} as const;
const STAFF = {
	carla: { participantId: 'p-carla', role: 'coordinator', name: 'Carla' },
	piet: { participantId: 'p-piet', role: 'professional', name: 'Piet' }
} as const;

/** An update that writes `text` into a fresh document: what a client would send. */
function updateWriting(text: string): Uint8Array {
	const doc = new Y.Doc();
	doc.getText('intruder').insert(0, text);
	return encodeUpdate(Y.encodeStateAsUpdate(doc));
}

function permissionDenied(socket: RawSocket): string | null {
	for (const message of socket.messages) {
		const decoder = decoding.createDecoder(message);
		if (decoding.readVarUint(decoder) !== MESSAGE_AUTH) continue;
		decoding.readVarUint(decoder);
		return decoding.readVarString(decoder);
	}
	return null;
}

const textOf = (doc: Y.Doc) => doc.getText('contingency').toString();

let live: Live | undefined;
const docs = liveDocs();
const sockets: RawSocket[] = [];

afterEach(async () => {
	docs.closeAll();
	for (const socket of sockets.splice(0)) socket.destroy();
	await live?.close();
	live = undefined;
});

async function openRaw(session: string | null, documentName: DocumentName | string, origin?: string | null) {
	const socket = await openRawSocket(live!.as(session), CONFERENCE, documentName, { origin });
	sockets.push(socket);
	return socket;
}

describe('CollabServer', () => {
	it('two family phones writing the plan at once end with the same plan, and the store holds it', async () => {
		live = await startLive('information', { ...FAMILY });
		const anna = docs.open(live.as('anna'), CONFERENCE, 'plan');
		const bob = docs.open(live.as('bob'), CONFERENCE, 'plan');
		await Promise.all([anna.synced, bob.synced]);

		anna.doc.getText('contingency').insert(0, 'Anna kookt op maandag. ');
		bob.doc.getText('contingency').insert(0, 'Bob haalt de kinderen op. ');
		await waitForConvergence([anna.doc, bob.doc]);

		expect(textOf(anna.doc)).toContain('Anna kookt op maandag.');
		expect(textOf(anna.doc)).toContain('Bob haalt de kinderen op.');
		expect(textOf(live.stored('plan'))).toBe(textOf(anna.doc));
	});

	it("a read-only socket's edit is refused, stored nowhere and sent to nobody", async () => {
		live = await startLive('presentation', { ...FAMILY, ...STAFF });
		const anna = docs.open(live.as('anna'), CONFERENCE, 'plan');
		const bob = docs.open(live.as('bob'), CONFERENCE, 'plan');
		await Promise.all([anna.synced, bob.synced]);
		const carla = await openRaw('carla', 'plan');
		expect(carla.status).toBe(101);

		carla.send(updateWriting('geschreven door de coördinator'));
		await waitUntil(() => permissionDenied(carla) !== null, 'the coordinator was not told the plan is read-only');
		expect(permissionDenied(carla)).toBe('read-only');

		// Bob's socket carries messages in the order the server sent them: once Anna's edit is there,
		// the coordinator's would have been there before it.
		anna.doc.getText('contingency').insert(0, 'Anna kookt.');
		await waitUntil(() => textOf(bob.doc) === 'Anna kookt.', "Anna's edit did not reach Bob", { docs: [bob.doc] });
		expect(bob.doc.getText('intruder').toString()).toBe('');
		expect(live.stored('plan').getText('intruder').toString()).toBe('');
		// Still connected: reading is what the coordinator may do in presentation.
		expect(live.collab.connectionCount(CONFERENCE)).toBe(3);
	});

	it("the hand-over to private time closes the staff's sockets with 4403 at once and makes the family's brief read-only", async () => {
		live = await startLive('information', { ...FAMILY, ...STAFF });
		const carla = await openRaw('carla', 'brief');
		const piet = await openRaw('piet', 'brief');
		const anna = await openRaw('anna', 'brief');
		// A writer is let in with the server's own sync request: every socket has heard from it.
		await waitUntil(
			() => [carla, piet, anna].every((socket) => socket.messages.length > 0),
			'not all three sockets joined the brief'
		);

		live.changePhase('private');
		// Applied while the phase change was published, before anything else runs.
		expect(live.collab.connectionCount(CONFERENCE)).toBe(1);
		expect(live.revocations).toMatchObject([{ conferenceId: CONFERENCE, closed: 2 }]);

		for (const staff of [carla, piet]) {
			const close = await waitForClose(staff.closed, 'a staff socket stayed open in private time');
			expect(close).toMatchObject({ code: CLOSE.revoked.code, reason: CLOSE.revoked.reason });
		}
		anna.send(updateWriting('Anna schrijft in de brief'));
		await waitUntil(() => permissionDenied(anna) !== null, 'the brief did not become read-only for the family');
		expect(permissionDenied(anna)).toBe('read-only');
		expect(live.stored('brief').getText('intruder').toString()).toBe('');
		expect(live.collab.connectionCount(CONFERENCE)).toBe(1);
	});

	it('refuses an upgrade with 401 or 403 before any document is opened', async () => {
		live = await startLive('private', { ...FAMILY, ...STAFF });
		expect(await upgradeStatus(live.as(null), CONFERENCE, 'plan')).toBe(401);
		expect(await upgradeStatus(live.as('stranger'), CONFERENCE, 'plan')).toBe(401);
		expect(await upgradeStatus(live.as('carla'), CONFERENCE, 'plan')).toBe(403);
		expect(await upgradeStatus(live.as('piet'), CONFERENCE, 'brief')).toBe(403);
		expect(live.authorizations.map((request) => request.documentName)).toEqual(['plan', 'plan', 'plan', 'brief']);

		// Refused by the server itself, without asking the hooks: another site, or no such document.
		expect((await openRaw('anna', 'plan', 'https://evil.example')).status).toBe(403);
		expect((await openRaw('anna', 'minutes')).status).toBe(404);
		expect(live.authorizations).toHaveLength(4);

		expect(live.loads).toEqual([]);
		expect(live.collab.connectionCount(CONFERENCE)).toBe(0);
	});

	it('a message over the limit closes only the socket that sent it', async () => {
		live = await startLive('information', { ...FAMILY }, { maxMessageBytes: 1024 });
		const anna = docs.open(live.as('anna'), CONFERENCE, 'plan');
		const bob = docs.open(live.as('bob'), CONFERENCE, 'plan');
		await Promise.all([anna.synced, bob.synced]);
		const cleo = await openRaw('cleo', 'plan');

		cleo.send(updateWriting('x'.repeat(4096)));
		const close = await waitForClose(cleo.closed, 'the over-size message did not close its socket');
		expect(close.code).toBe(1009);

		anna.doc.getText('contingency').insert(0, 'Anna kookt.');
		await waitForConvergence([anna.doc, bob.doc]);
		expect(textOf(bob.doc)).toBe('Anna kookt.');
		expect(anna.closeEvents).toEqual([]);
		expect(bob.closeEvents).toEqual([]);
		expect(live.stored('plan').getText('intruder').toString()).toBe('');
	});
});

/** A query for everyone's presence: the server answers each one, so every answer is one message read. */
const QUERY_AWARENESS = new Uint8Array([3]);

describe('CollabServer limits', () => {
	it('one session holds a bounded number of sockets: one more pushes out its oldest with 4409', async () => {
		live = await startLive('information', { ...FAMILY }, { limits: { socketsPerSession: 2 } });
		const first = await openRaw('anna', 'plan');
		const second = await openRaw('anna', 'brief');
		const bob = await openRaw('bob', 'plan');
		await waitUntil(() => [first, second, bob].every((s) => s.messages.length > 0), 'the sockets to join');

		const third = await openRaw('anna', 'plan');
		const close = await waitForClose(first.closed, 'the oldest socket of the session stayed open');
		expect(close).toMatchObject({ code: CLOSE.superseded.code, reason: CLOSE.superseded.reason });
		// The newest is in, and nobody else's socket was touched.
		third.send(QUERY_AWARENESS);
		await waitUntil(() => third.messages.length > 1, 'the newest socket to be answered');
		expect(live.collab.connectionCount(CONFERENCE)).toBe(3);
	});

	it('a full room refuses one more socket with 503 before opening it, and takes one again once a place is free', async () => {
		live = await startLive('information', { ...FAMILY }, { limits: { socketsPerRoom: 2 } });
		const anna = await openRaw('anna', 'plan');
		const bob = await openRaw('bob', 'plan');
		expect([anna.status, bob.status]).toEqual([101, 101]);
		expect(await upgradeStatus(live.as('cleo'), CONFERENCE, 'plan')).toBe(503);
		// Another document is another room.
		expect((await openRaw('cleo', 'brief')).status).toBe(101);

		bob.close();
		await bob.closed;
		await waitUntil(() => live!.collab.connectionCount(CONFERENCE) === 2, 'Bob’s place to be free');
		expect((await openRaw('cleo', 'plan')).status).toBe(101);
	});

	it('a socket that sends more than is held before its room is open is closed with 4429; the room opens for the rest', async () => {
		const { store, stored } = memoryStore({ phase: 'information', version: 1 });
		let open!: () => void;
		const gate = new Promise<void>((resolve) => (open = resolve));
		const slowStore: DocumentStore = { ...store, loadState: async (...args) => (await gate, store.loadState(...args)) };
		live = await startLive(
			'information',
			{ ...FAMILY },
			{ store: slowStore, limits: { pendingMessages: 10, pendingBytes: 4096 } }
		);
		const flood = await openRaw('cleo', 'plan');
		for (let i = 0; i < 11; i++) flood.send(QUERY_AWARENESS);
		// Closed while the room is still loading: nothing of it was held past the bound.
		const close = await waitForClose(flood.closed, 'the socket that flooded the loading room stayed open');
		expect(close).toMatchObject({ code: CLOSE.flooded.code, reason: CLOSE.flooded.reason });
		const big = await openRaw('bob', 'plan');
		// One message of more bytes than are held: a presence query padded with zeros.
		const padded = new Uint8Array(5000);
		padded[0] = QUERY_AWARENESS[0];
		big.send(padded);
		expect((await waitForClose(big.closed, 'the socket that sent too many bytes stayed open')).code).toBe(
			CLOSE.flooded.code
		);

		const anna = docs.open(live.as('anna'), CONFERENCE, 'plan');
		open();
		await anna.synced;
		anna.doc.getText('contingency').insert(0, 'Anna kookt.');
		await waitUntil(() => textOf(stored('plan')) === 'Anna kookt.', 'Anna’s edit to be stored');
		expect(anna.closeEvents).toEqual([]);
	});

	it('a socket that floods is read at its rate, losing nothing, while the family’s edits pass it by', async () => {
		live = await startLive('information', { ...FAMILY }, { limits: { messagesPerSecond: 50 } });
		const anna = docs.open(live.as('anna'), CONFERENCE, 'plan');
		const bob = docs.open(live.as('bob'), CONFERENCE, 'plan');
		await Promise.all([anna.synced, bob.synced]);
		const flood = await openRaw('cleo', 'plan');
		await waitUntil(() => flood.messages.length > 0, 'the flooding socket to join');
		const before = flood.messages.length;

		for (let i = 0; i < 100; i++) flood.send(QUERY_AWARENESS);
		anna.doc.getText('contingency').insert(0, 'Anna kookt.');
		await waitUntil(() => textOf(bob.doc) === 'Anna kookt.', "Anna's edit did not reach Bob", { docs: [bob.doc] });
		// Bob has Anna's edit while most of the flood is still waiting to be read.
		expect(flood.messages.length - before).toBeLessThan(100);
		await waitUntil(() => flood.messages.length - before >= 100, 'every query of the flood to be answered in the end', {
			timeoutMs: 30_000
		});
		expect(live.collab.connectionCount(CONFERENCE)).toBe(3);
	});

	it('with the default limits, fast typing and a phone’s catch-up after working offline pass untouched', async () => {
		live = await startLive('information', { ...FAMILY });
		const anna = docs.open(live.as('anna'), CONFERENCE, 'plan');
		const bob = docs.open(live.as('bob'), CONFERENCE, 'plan');
		await Promise.all([anna.synced, bob.synced]);

		// Typing: a keystroke at a time, every one its own update, as the editor sends them.
		const notes = anna.doc.getText('contingency');
		for (let i = 0; i < 150; i++) notes.insert(notes.length, 'x');
		await waitForConvergence([anna.doc, bob.doc]);

		// Offline on a train: 3000 keystrokes and a large pasted text, then the phone reconnects.
		const offline = new Y.Doc();
		Y.applyUpdate(offline, Y.encodeStateAsUpdate(bob.doc));
		bob.destroy();
		const text = offline.getText('contingency');
		for (let i = 0; i < 3000; i++) text.insert(text.length, 'y');
		text.insert(text.length, 'z'.repeat(256 * 1024));
		const back = docs.open(live.as('bob'), CONFERENCE, 'plan', { doc: offline });
		await back.synced;
		await waitForConvergence([anna.doc, offline], 'the catch-up did not reach Anna');
		expect(textOf(anna.doc)).toHaveLength(150 + 3000 + 256 * 1024);
		expect([...anna.closeEvents, ...back.closeEvents]).toEqual([]);
	});
});

describe('CollabServer when a bus message is lost', () => {
	it('a phase change whose news never arrives closes the staff sockets at the next lease, read once for the whole conference', async () => {
		live = await startLive('information', { ...FAMILY, ...STAFF }, { leaseMs: 50 });
		const carla = await openRaw('carla', 'brief');
		const anna = await openRaw('anna', 'brief');
		const annaPlan = docs.open(live.as('anna'), CONFERENCE, 'plan');
		await annaPlan.synced;
		await waitUntil(
			() => [carla, anna].every((socket) => socket.messages.length > 0),
			'not both sockets joined the brief'
		);

		live.changePhaseSilently('private');
		const close = await waitForClose(carla.closed, 'the coordinator kept the brief after a lost hand-over');
		expect(close).toMatchObject({ code: CLOSE.revoked.code, reason: CLOSE.revoked.reason });
		// One read for the conference, for the sockets of both documents, each session once.
		const sessionsAsked = live.leaseReads.map((asked) => asked.get(CONFERENCE) ?? []);
		expect(sessionsAsked.some((sessions) => [...sessions].sort().join() === 's-anna,s-carla')).toBe(true);
		expect(sessionsAsked.every((sessions) => new Set(sessions).size === sessions.length)).toBe(true);

		anna.send(updateWriting('Anna schrijft in de brief'));
		await waitUntil(() => permissionDenied(anna) !== null, 'the brief did not become read-only for the family');
		expect(live.stored('brief').getText('intruder').toString()).toBe('');
		expect(live.revocations).toMatchObject([{ conferenceId: CONFERENCE, closed: 1 }]);
	});

	it('the leases of every open conference are read in one query, and a lost hand-over closes the staff of each', async () => {
		live = await startLive('information', { ...FAMILY, ...STAFF }, { leaseMs: 50 });
		const OTHER = 'conf2';
		const carla = await openRaw('carla', 'brief');
		const piet = await openRawSocket(live.as('piet'), OTHER, 'brief');
		sockets.push(piet);
		const anna = docs.open(live.as('anna'), OTHER, 'plan');
		await anna.synced;
		await waitUntil(
			() => live!.leaseReads.some((asked) => asked.has(CONFERENCE) && (asked.get(OTHER)?.length ?? 0) === 2),
			'no lease read asked for both conferences'
		);
		// Every read asks for every open conference: never one query per conference, each in its own tick.
		const asked = live.leaseReads.at(-1)!;
		expect([...asked.keys()].sort()).toEqual([CONFERENCE, OTHER]);
		expect([...asked.get(OTHER)!].sort()).toEqual(['s-anna', 's-piet']);

		live.changePhaseSilently('private');
		for (const socket of [carla, piet])
			expect(await waitForClose(socket.closed, 'a staff socket kept the brief after a lost hand-over')).toMatchObject({
				code: CLOSE.revoked.code
			});
		expect(anna.closeEvents).toEqual([]);
	});

	it('a removal or sign-out whose news never arrives closes that socket at the next lease', async () => {
		live = await startLive('information', { ...FAMILY }, { leaseMs: 50 });
		const anna = docs.open(live.as('anna'), CONFERENCE, 'plan');
		const bob = docs.open(live.as('bob'), CONFERENCE, 'plan');
		const cleo = docs.open(live.as('cleo'), CONFERENCE, 'plan');
		await Promise.all([anna.synced, bob.synced, cleo.synced]);

		live.people.get('bob')!.removed = true;
		live.people.get('cleo')!.signedOut = true;
		expect(await waitForClose(bob.closed, 'the removed device kept the plan')).toMatchObject({
			code: CLOSE.removed.code,
			reason: CLOSE.removed.reason
		});
		expect(await waitForClose(cleo.closed, 'the signed-out device kept the plan')).toMatchObject({
			code: CLOSE.signedOut.code,
			reason: CLOSE.signedOut.reason
		});
		anna.doc.getText('contingency').insert(0, 'Anna kookt.');
		await waitUntil(() => textOf(live!.stored('plan')) === 'Anna kookt.', "Anna's edit was not stored");
		expect(anna.closeEvents).toEqual([]);
	});

	it('a conference erased without the news arriving closes every socket on it at the next lease', async () => {
		live = await startLive('accepted', { ...FAMILY }, { leaseMs: 50 });
		const anna = docs.open(live.as('anna'), CONFERENCE, 'plan');
		const bob = docs.open(live.as('bob'), CONFERENCE, 'brief');
		await Promise.all([anna.synced, bob.synced]);

		live.eraseSilently();
		for (const phone of [anna, bob])
			expect(await waitForClose(phone.closed, 'a socket outlived its erased conference')).toMatchObject({
				code: CLOSE.removed.code,
				reason: CLOSE.removed.reason
			});
		expect(live.collab.connectionCount(CONFERENCE)).toBe(0);
	});

	it('after a gap on the bus the rooms read the phase first, then catch up the document', async () => {
		live = await startLive('presentation', { ...FAMILY, ...STAFF });
		const carla = await openRaw('carla', 'plan');
		const anna = docs.open(live.as('anna'), CONFERENCE, 'plan');
		await anna.synced;
		// A reader asks for the plan, as the big screen does.
		carla.send(encodeSyncStep1(new Y.Doc()));
		await waitUntil(() => carla.messages.length > 0, 'the coordinator did not read the plan');

		// While this instance's bus was away: the family went back to private time on another
		// instance and typed there. Neither message arrived.
		live.changePhaseSilently('private');
		const elsewhere = new Y.Doc();
		elsewhere.getText('contingency').insert(0, 'geschreven op de andere server');
		live.storedElsewhere('plan', Y.encodeStateAsUpdate(elsewhere));

		await live.gap();
		expect(await waitForClose(carla.closed, 'the coordinator kept the plan after the gap')).toMatchObject({
			code: CLOSE.revoked.code
		});
		await waitUntil(() => textOf(anna.doc) === 'geschreven op de andere server', 'the room did not catch up', {
			docs: [anna.doc]
		});
		expect(new TextDecoder('latin1').decode(Buffer.concat(carla.messages))).not.toContain('andere server');
	});

	it('a lease that cannot be read again lapses: the sockets close so that their clients reconnect', async () => {
		live = await startLive(
			'information',
			{ ...FAMILY },
			{
				leaseMs: 30,
				async currentRights() {
					throw new Error('database unreachable');
				}
			}
		);
		const anna = docs.open(live.as('anna'), CONFERENCE, 'plan');
		await anna.synced;
		expect(await waitForClose(anna.closed, 'the socket outlived its lease')).toMatchObject({
			code: CLOSE.storageFailed.code
		});
		expect(live.logged.some((message) => message.includes('could not renew the lease'))).toBe(true);
	});
});

describe('CollabServer: a room stays loaded for a grace period after its last socket left', () => {
	/** Long enough that no test here sees a grace period end unless it asks for a short one. */
	const LONG_GRACE = { roomGraceMs: 60_000 };

	async function leave(phone: { destroy(): void }): Promise<void> {
		phone.destroy();
		await waitUntil(() => live!.collab.connectionCount(CONFERENCE) === 0, 'the socket to leave');
	}

	it('a phone that reconnects finds its plan as it was, without reading it from the store again', async () => {
		live = await startLive('information', { ...FAMILY }, LONG_GRACE);
		const first = docs.open(live.as('anna'), CONFERENCE, 'plan');
		await first.synced;
		first.doc.getText('contingency').insert(0, 'Anna kookt.');
		await waitUntil(() => textOf(live!.stored('plan')) === 'Anna kookt.', "Anna's edit was not stored");
		await leave(first);
		expect(live.collab.loadedRoomCount(CONFERENCE)).toBe(1);

		const again = docs.open(live.as('anna'), CONFERENCE, 'plan');
		await again.synced;
		await waitUntil(() => textOf(again.doc) === 'Anna kookt.', 'the plan to reach the phone again', {
			docs: [again.doc]
		});
		expect(live.loads).toEqual([`${CONFERENCE}/plan`]);
	});

	it('once the grace period is over the room is unloaded, and the next phone reads the plan from the store', async () => {
		live = await startLive('information', { ...FAMILY }, { roomGraceMs: 50 });
		const first = docs.open(live.as('anna'), CONFERENCE, 'plan');
		await first.synced;
		first.doc.getText('contingency').insert(0, 'Anna kookt.');
		await waitUntil(() => textOf(live!.stored('plan')) === 'Anna kookt.', "Anna's edit was not stored");
		await leave(first);
		await waitUntil(() => live!.collab.loadedRoomCount(CONFERENCE) === 0, 'the room to be unloaded');

		const again = docs.open(live.as('bob'), CONFERENCE, 'plan');
		await waitUntil(() => textOf(again.doc) === 'Anna kookt.', 'the plan to load again', { docs: [again.doc] });
		expect(live.loads).toEqual([`${CONFERENCE}/plan`, `${CONFERENCE}/plan`]);
	});

	it('a room in its grace period takes what another instance publishes: the phone that comes back has it', async () => {
		live = await startLive('information', { ...FAMILY }, LONG_GRACE);
		const first = docs.open(live.as('anna'), CONFERENCE, 'plan');
		await first.synced;
		await leave(first);

		const elsewhere = new Y.Doc();
		elsewhere.getText('contingency').insert(0, 'Bob typte op de andere server.');
		const update = Y.encodeStateAsUpdate(elsewhere);
		live.storedElsewhere('plan', update);
		live.fromElsewhere({ type: 'doc-update', conferenceId: CONFERENCE, document: 'plan', payload: update });

		const again = docs.open(live.as('anna'), CONFERENCE, 'plan');
		await waitUntil(() => textOf(again.doc) === 'Bob typte op de andere server.', "Bob's edit to reach Anna", {
			docs: [again.doc]
		});
		expect(live.loads).toHaveLength(1);
	});

	it('a hand-over during the grace period applies: the coordinator is refused, the family brief is read-only', async () => {
		live = await startLive('information', { ...FAMILY, ...STAFF }, LONG_GRACE);
		const carla = await openRaw('carla', 'brief');
		const anna = await openRaw('anna', 'brief');
		await waitUntil(() => [carla, anna].every((socket) => socket.messages.length > 0), 'both to join the brief');
		carla.destroy();
		await leave(anna);
		expect(live.collab.loadedRoomCount(CONFERENCE)).toBe(1);

		live.changePhase('private');
		expect(await upgradeStatus(live.as('carla'), CONFERENCE, 'brief')).toBe(403);
		const back = await openRaw('anna', 'brief');
		back.send(updateWriting('Anna schrijft in de brief'));
		await waitUntil(() => permissionDenied(back) !== null, 'the brief did not become read-only for the family');
		expect(permissionDenied(back)).toBe('read-only');
		expect(live.stored('brief').getText('intruder').toString()).toBe('');
		expect(live.loads).toEqual([`${CONFERENCE}/brief`]);
	});

	it('a hand-over whose news is lost during the grace period still makes the brief read-only for the phone that comes back', async () => {
		live = await startLive('information', { ...FAMILY }, LONG_GRACE);
		const anna = await openRaw('anna', 'brief');
		await waitUntil(() => anna.messages.length > 0, 'Anna to join the brief');
		await leave(anna);

		live.changePhaseSilently('private');
		const back = await openRaw('anna', 'brief');
		back.send(updateWriting('Anna schrijft in de brief'));
		await waitUntil(() => permissionDenied(back) !== null, 'the brief did not become read-only for the family');
		expect(live.stored('brief').getText('intruder').toString()).toBe('');
	});

	it('the rooms of an erased conference leave memory at the next lease, grace period or not', async () => {
		live = await startLive('accepted', { ...FAMILY }, { ...LONG_GRACE, leaseMs: 50 });
		const anna = docs.open(live.as('anna'), CONFERENCE, 'plan');
		await anna.synced;
		await leave(anna);
		expect(live.collab.loadedRoomCount(CONFERENCE)).toBe(1);

		live.eraseSilently();
		await waitUntil(() => live!.collab.loadedRoomCount(CONFERENCE) === 0, 'the erased plan to leave memory');
	});

	it('a compaction that empties the bin unloads a room in its grace period: the next phone reads what is stored', async () => {
		live = await startLive('accepted', { ...FAMILY }, LONG_GRACE);
		const anna = docs.open(live.as('anna'), CONFERENCE, 'plan');
		await anna.synced;
		await leave(anna);

		live.rewritten('plan');
		expect(live.collab.loadedRoomCount(CONFERENCE)).toBe(0);
		const again = docs.open(live.as('anna'), CONFERENCE, 'plan');
		await again.synced;
		expect(live.loads).toEqual([`${CONFERENCE}/plan`, `${CONFERENCE}/plan`]);
	});
});

describe('CollabServer: what an open socket keeps', () => {
	it('a settled socket keeps nothing of its upgrade: what its grant carried is freed while the phone stays on', async () => {
		const collectGarbage = garbageCollector();
		// Something only the grant holds, watched without being kept.
		let carried: object | null = { note: 'only the grant holds this' };
		const freed = new WeakRef(carried);
		live = await startLive(
			'information',
			{ ...FAMILY },
			{
				async authorize() {
					const grant = {
						ok: true as const,
						who: 'anna',
						sessionId: 's-anna',
						...FAMILY.anna,
						phase: 'information' as const,
						version: 1,
						carried
					};
					carried = null;
					return grant;
				}
			}
		);
		const phone = docs.open(live.as('anna'), CONFERENCE, 'plan');
		await phone.synced;
		phone.doc.getText('contingency').insert(0, 'Anna kookt.');
		await waitUntil(() => textOf(live!.stored('plan')) === 'Anna kookt.', "Anna's edit was not stored");

		await waitUntil(
			async () => {
				await collectGarbage();
				return freed.deref() === undefined;
			},
			'what the grant carried to be freed',
			{ timeoutMs: 3000 }
		);
		expect(live.collab.connectionCount(CONFERENCE)).toBe(1);
	});
});

/** A full garbage collection, run from a test (V8's own, switched on for this process). */
function garbageCollector(): () => Promise<void> {
	setFlagsFromString('--expose-gc');
	const gc = runInNewContext('gc') as () => void;
	// A WeakRef's target lives at least until the current job ends: collect after it.
	return () => new Promise((resolve) => setImmediate(() => (gc(), resolve())));
}
