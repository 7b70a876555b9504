import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { access } from '$lib/conference/access';
import type { DocumentName, Phase, Role } from '$lib/conference/phases';
import {
	liveDocs,
	rawSocket,
	upgradeStatus,
	waitForClose,
	waitForConvergence,
	waitUntil,
	type RawSocket
} from '../../../../tests/support/yjs-client';
import { Bus, type ResyncHandler } from '../bus';
import { CollabServer } from './collab-server';
import type { CollabServerOptions, DocumentStore, PhaseAt, RevocationEvent, UpgradeRequest } from './hooks';
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
		}
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
	/** A cookie jar for `openDoc` / `rawSocket`. */
	as(session: string): { cookieHeader(): string };
	/** What the conference service does on a phase change: store it, then publish it. */
	changePhase(phase: Phase): void;
	/** A phase change whose bus message is lost: stored, never published. */
	changePhaseSilently(phase: Phase): void;
	/** A gap on the bus (its subscriber reconnected): what the bus then runs. */
	gap(): Promise<void>;
	/** How often the lease was read, per conference. */
	leaseReads: string[][];
	close(): Promise<void>;
};

async function startLive(
	phase: Phase,
	people: Record<string, Omit<Person, 'active'> & { active?: boolean }>,
	overrides: Partial<CollabServerOptions<string>> = {}
): Promise<Live> {
	const conference = { phase, version: 1 };
	const known = new Map(Object.entries(people).map(([session, person]) => [session, { active: true, ...person }]));
	const authorizations: UpgradeRequest[] = [];
	const revocations: RevocationEvent[] = [];
	const logged: string[] = [];
	const { store, loads, stored, storedElsewhere } = memoryStore(conference);
	const bus = new Bus();
	const resyncs: ResyncHandler[] = [];
	const leaseReads: string[][] = [];
	const accessOf = (person: Person | undefined, documentName: DocumentName) =>
		!person || person.removed || !person.active ? 'none' : access(person.role, conference.phase, documentName);
	const collab = new CollabServer<string>({
		bus: {
			publish: (message) => bus.publish(message),
			subscribe: (handler) => bus.subscribe(handler),
			onResync: (handler) => (resyncs.push(handler), () => {})
		},
		store,
		allowedOrigins: [],
		maxMessageBytes: 4 * 1024 * 1024,
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
		async currentRights(_conferenceId, sessionIds) {
			leaseReads.push(sessionIds);
			const signedIn = new Set(sessionIds.filter((id) => !known.get(id.replace(/^s-/, ''))?.signedOut));
			const holding = new Set(
				[...signedIn].filter((id) => {
					const person = known.get(id.replace(/^s-/, ''));
					return person && person.active && !person.removed;
				})
			);
			return { ...conference, signedIn, holding };
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
		as: (session) => ({ cookieHeader: () => `kring_session=${session}` }),
		changePhase(next) {
			conference.phase = next;
			conference.version++;
			bus.publish({ type: 'phase', conferenceId: CONFERENCE, phase: next, version: conference.version });
		},
		changePhaseSilently(next) {
			conference.phase = next;
			conference.version++;
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
	for (const message of socket.received) {
		const decoder = decoding.createDecoder(message);
		if (decoding.readVarUint(decoder) !== MESSAGE_AUTH) continue;
		decoding.readVarUint(decoder);
		return decoding.readVarString(decoder);
	}
	return null;
}

const textOf = (doc: Y.Doc) => doc.getText('notes').toString();

let live: Live | undefined;
const docs = liveDocs();
const sockets: RawSocket[] = [];

afterEach(async () => {
	docs.closeAll();
	for (const socket of sockets.splice(0)) socket.close();
	await live?.close();
	live = undefined;
});

async function openRaw(session: string | null, documentName: DocumentName | string, origin?: string | null) {
	const socket = await rawSocket(live!.address, session ? live!.as(session) : null, CONFERENCE, documentName, {
		origin
	});
	sockets.push(socket);
	return socket;
}

describe('CollabServer', () => {
	it('two family phones writing the plan at once end with the same plan, and the store holds it', async () => {
		live = await startLive('information', { ...FAMILY });
		const anna = docs.open(live.address, live.as('anna'), CONFERENCE, 'plan');
		const bob = docs.open(live.address, live.as('bob'), CONFERENCE, 'plan');
		await Promise.all([anna.synced, bob.synced]);

		anna.doc.getText('notes').insert(0, 'Anna kookt op maandag. ');
		bob.doc.getText('notes').insert(0, 'Bob haalt de kinderen op. ');
		await waitForConvergence([anna.doc, bob.doc]);

		expect(textOf(anna.doc)).toContain('Anna kookt op maandag.');
		expect(textOf(anna.doc)).toContain('Bob haalt de kinderen op.');
		expect(textOf(live.stored('plan'))).toBe(textOf(anna.doc));
	});

	it("a read-only socket's edit is refused, stored nowhere and sent to nobody", async () => {
		live = await startLive('presentation', { ...FAMILY, ...STAFF });
		const anna = docs.open(live.address, live.as('anna'), CONFERENCE, 'plan');
		const bob = docs.open(live.address, live.as('bob'), CONFERENCE, 'plan');
		await Promise.all([anna.synced, bob.synced]);
		const carla = await openRaw('carla', 'plan');
		expect(carla.status).toBe(101);

		carla.send(updateWriting('geschreven door de coördinator'));
		await waitUntil(() => permissionDenied(carla) !== null, 'the coordinator was not told the plan is read-only');
		expect(permissionDenied(carla)).toBe('read-only');

		// Bob's socket carries messages in the order the server sent them: once Anna's edit is there,
		// the coordinator's would have been there before it.
		anna.doc.getText('notes').insert(0, 'Anna kookt.');
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
			() => [carla, piet, anna].every((socket) => socket.received.length > 0),
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
		expect(live.stored('brief').getText('intruder').toString()).toBe('');
		expect(live.collab.connectionCount(CONFERENCE)).toBe(1);
	});

	it('refuses an upgrade with 401 or 403 before any document is opened', async () => {
		live = await startLive('private', { ...FAMILY, ...STAFF });
		expect(await upgradeStatus(live.address, null, CONFERENCE, 'plan')).toBe(401);
		expect(await upgradeStatus(live.address, live.as('stranger'), CONFERENCE, 'plan')).toBe(401);
		expect(await upgradeStatus(live.address, live.as('carla'), CONFERENCE, 'plan')).toBe(403);
		expect(await upgradeStatus(live.address, live.as('piet'), CONFERENCE, 'brief')).toBe(403);
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
		const anna = docs.open(live.address, live.as('anna'), CONFERENCE, 'plan');
		const bob = docs.open(live.address, live.as('bob'), CONFERENCE, 'plan');
		await Promise.all([anna.synced, bob.synced]);
		const cleo = await openRaw('cleo', 'plan');

		cleo.send(updateWriting('x'.repeat(4096)));
		const close = await waitForClose(cleo.closed, 'the over-size message did not close its socket');
		expect(close.code).toBe(1009);

		anna.doc.getText('notes').insert(0, 'Anna kookt.');
		await waitForConvergence([anna.doc, bob.doc]);
		expect(textOf(bob.doc)).toBe('Anna kookt.');
		expect(anna.closeEvents).toEqual([]);
		expect(bob.closeEvents).toEqual([]);
		expect(live.stored('plan').getText('intruder').toString()).toBe('');
	});
});

describe('CollabServer when a bus message is lost', () => {
	it('a phase change whose news never arrives closes the staff sockets at the next lease, read once for the whole conference', async () => {
		live = await startLive('information', { ...FAMILY, ...STAFF }, { leaseMs: 50 });
		const carla = await openRaw('carla', 'brief');
		const anna = await openRaw('anna', 'brief');
		const annaPlan = docs.open(live.address, live.as('anna'), CONFERENCE, 'plan');
		await annaPlan.synced;
		await waitUntil(
			() => [carla, anna].every((socket) => socket.received.length > 0),
			'not both sockets joined the brief'
		);

		live.changePhaseSilently('private');
		const close = await waitForClose(carla.closed, 'the coordinator kept the brief after a lost hand-over');
		expect(close).toMatchObject({ code: CLOSE.revoked.code, reason: CLOSE.revoked.reason });
		// One read for the conference, for the sockets of both documents, each session once.
		expect(live.leaseReads.some((asked) => [...asked].sort().join() === 's-anna,s-carla')).toBe(true);
		expect(live.leaseReads.every((asked) => new Set(asked).size === asked.length)).toBe(true);

		anna.send(updateWriting('Anna schrijft in de brief'));
		await waitUntil(() => permissionDenied(anna) !== null, 'the brief did not become read-only for the family');
		expect(live.stored('brief').getText('intruder').toString()).toBe('');
		expect(live.revocations).toMatchObject([{ conferenceId: CONFERENCE, closed: 1 }]);
	});

	it('a removal or sign-out whose news never arrives closes that socket at the next lease', async () => {
		live = await startLive('information', { ...FAMILY }, { leaseMs: 50 });
		const anna = docs.open(live.address, live.as('anna'), CONFERENCE, 'plan');
		const bob = docs.open(live.address, live.as('bob'), CONFERENCE, 'plan');
		const cleo = docs.open(live.address, live.as('cleo'), CONFERENCE, 'plan');
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
		anna.doc.getText('notes').insert(0, 'Anna kookt.');
		await waitUntil(() => textOf(live!.stored('plan')) === 'Anna kookt.', "Anna's edit was not stored");
		expect(anna.closeEvents).toEqual([]);
	});

	it('after a gap on the bus the rooms read the phase first, then catch up the document', async () => {
		live = await startLive('presentation', { ...FAMILY, ...STAFF });
		const carla = await openRaw('carla', 'plan');
		const anna = docs.open(live.address, live.as('anna'), CONFERENCE, 'plan');
		await anna.synced;
		// A reader asks for the plan, as the big screen does.
		carla.send(encodeSyncStep1(new Y.Doc()));
		await waitUntil(() => carla.received.length > 0, 'the coordinator did not read the plan');

		// While this instance's bus was away: the family went back to private time on another
		// instance and typed there. Neither message arrived.
		live.changePhaseSilently('private');
		const elsewhere = new Y.Doc();
		elsewhere.getText('notes').insert(0, 'geschreven op de andere server');
		live.storedElsewhere('plan', Y.encodeStateAsUpdate(elsewhere));

		await live.gap();
		expect(await waitForClose(carla.closed, 'the coordinator kept the plan after the gap')).toMatchObject({
			code: CLOSE.revoked.code
		});
		await waitUntil(() => textOf(anna.doc) === 'geschreven op de andere server', 'the room did not catch up', {
			docs: [anna.doc]
		});
		expect(new TextDecoder('latin1').decode(Buffer.concat(carla.received))).not.toContain('andere server');
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
		const anna = docs.open(live.address, live.as('anna'), CONFERENCE, 'plan');
		await anna.synced;
		expect(await waitForClose(anna.closed, 'the socket outlived its lease')).toMatchObject({
			code: CLOSE.storageFailed.code
		});
		expect(live.logged.some((message) => message.includes('could not renew the lease'))).toBe(true);
	});
});
