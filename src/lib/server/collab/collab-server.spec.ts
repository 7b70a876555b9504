import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { access } from '$lib/conference/access';
import type { DocumentName, Phase, Role } from '$lib/conference/phases';
import { Browser } from '../../../../tests/support/http-client';
import { openRawSocket, upgradeStatus, type RawSocket } from '../../../../tests/support/raw-socket';
import { liveDocs, waitForClose, waitForConvergence, waitUntil } from '../../../../tests/support/yjs-client';
import { Bus } from '../bus';
import { CollabServer } from './collab-server';
import type { CollabServerOptions, DocumentStore, RevocationEvent, UpgradeRequest } from './hooks';
import { CLOSE, encodeUpdate, MESSAGE_AUTH } from './protocol';

/**
 * The live server on a real port, with real y-websocket clients, and fake hooks in place of
 * sessions and conferences: a person is a cookie value, a conference a phase in memory.
 */

type Person = { participantId: string; role: Role; name: string; active: boolean; removed?: boolean };

const CONFERENCE = 'conf1';

function memoryStore() {
	const updates = new Map<string, Uint8Array[]>();
	const loads: string[] = [];
	const store: DocumentStore = {
		async loadState(conferenceId, documentName) {
			loads.push(`${conferenceId}/${documentName}`);
			const stored = updates.get(`${conferenceId}/${documentName}`) ?? [];
			return stored.length > 0 ? Y.mergeUpdates(stored) : null;
		},
		async appendUpdate(conferenceId, documentName, update) {
			const key = `${conferenceId}/${documentName}`;
			updates.set(key, [...(updates.get(key) ?? []), update]);
		}
	};
	/** The document as stored, for reading what reached the store. */
	const stored = (documentName: DocumentName): Y.Doc => {
		const doc = new Y.Doc();
		for (const update of updates.get(`${CONFERENCE}/${documentName}`) ?? []) Y.applyUpdate(doc, update);
		return doc;
	};
	return { store, loads, stored };
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
	/** A browser holding this session cookie, for `openDoc` / `openRawSocket`; null: no cookie. */
	as(session: string | null): Browser;
	/** What the conference service does on a phase change: store it, then publish it. */
	changePhase(phase: Phase): void;
	close(): Promise<void>;
};

async function startLive(
	phase: Phase,
	people: Record<string, Omit<Person, 'active'> & { active?: boolean }>,
	overrides: Partial<CollabServerOptions<string>> = {}
): Promise<Live> {
	const conference = { phase, changedAt: 1 };
	const known = new Map(Object.entries(people).map(([session, person]) => [session, { active: true, ...person }]));
	const authorizations: UpgradeRequest[] = [];
	const revocations: RevocationEvent[] = [];
	const logged: string[] = [];
	const { store, loads, stored } = memoryStore();
	const bus = new Bus();
	const accessOf = (person: Person | undefined, documentName: DocumentName) =>
		!person || person.removed || !person.active ? 'none' : access(person.role, conference.phase, documentName);
	const collab = new CollabServer<string>({
		bus,
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
		as(session) {
			const browser = new Browser({ url, origin: url }, session ?? 'nobody');
			if (session) browser.jar.set('kring_session', session);
			return browser;
		},
		changePhase(next) {
			conference.phase = next;
			conference.changedAt++;
			bus.publish({ type: 'phase', conferenceId: CONFERENCE, phase: next, changedAt: conference.changedAt });
		},
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

const textOf = (doc: Y.Doc) => doc.getText('notes').toString();

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

		anna.doc.getText('notes').insert(0, 'Anna kookt op maandag. ');
		bob.doc.getText('notes').insert(0, 'Bob haalt de kinderen op. ');
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

		anna.doc.getText('notes').insert(0, 'Anna kookt.');
		await waitForConvergence([anna.doc, bob.doc]);
		expect(textOf(bob.doc)).toBe('Anna kookt.');
		expect(anna.closeEvents).toEqual([]);
		expect(bob.closeEvents).toEqual([]);
		expect(live.stored('plan').getText('intruder').toString()).toBe('');
	});
});
