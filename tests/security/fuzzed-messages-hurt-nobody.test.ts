/**
 * A family member's phone turned hostile sends Kring's live server whatever fast-check makes of
 * it: random bytes, real protocol messages with flipped bits, cut short, with wrong lengths or
 * types, updates made by Yjs itself and then damaged, and every hostile shape of
 * `hostile-updates.ts`. Meanwhile two honest phones keep typing. Each message must either be
 * taken (the socket answers the next sync step 1) or end its socket with one of the protocol's
 * own close codes; afterwards the server answers HTTP, the phones agree with each other and with
 * the server, the stored plan loads in a fresh process, and the server's event loop was never
 * held more than 100 ms by the server's own work.
 *
 * The loop is measured inside the server (KRING_EVENT_LOOP_PROBE, src/lib/server/event-loop-probe.ts).
 * On a shared two-core machine its wall-clock blocks are mostly other processes' time (0.3–1.1 s
 * while other test files ran), so the bound is asked of what the kernel counts for the server's
 * main thread: the most it ran on a CPU between two ticks (< 100 ms), and the longest block less its
 * time waiting for a CPU (< 1 s: no freeze of its own, such as a synchronous wait; this figure also
 * holds garbage collections waiting for their helper threads, which wait for a CPU too: up to 400 ms
 * at a load average of 20). The file
 * runs while no other test file does (vite.config.ts, project `alone`); every figure is printed.
 *
 * Seeded: the seed is printed; KRING_FUZZ_SEED=<seed> replays a run.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { CLOSE } from '$lib/collab/close-codes';
import { addAgreement, addConcern, addGroundRule, appendToField, setField, typeInto } from '../support/edits';
import {
	bigInsertUpdate,
	deletionUpdate,
	gapUpdate,
	gcStructsUpdate,
	longDeletedUpdate,
	manyClientsUpdate,
	missingPredecessorUpdate,
	nestedArrayUpdate,
	nestedTypesUpdate,
	pendingDeletesUpdate,
	scatteredDeletesUpdate,
	strangerId,
	syncUpdateMessage
} from '../support/hostile-updates';
import { readEventLoop } from '../support/event-loop';
import { openRawSocket, type RawSocket } from '../support/raw-socket';
import { kringForThisFile } from '../support/server';
import { conferenceWithFamily, type FamilyMember } from '../support/steps';
import { sameState, waitForConvergence, waitUntil } from '../support/yjs-client';
import {
	awarenessMessage,
	decodeMessage,
	queryAwareness,
	syncStep1,
	syncStep2,
	syncUpdate
} from '../support/y-messages';

const SEED = process.env.KRING_FUZZ_SEED ? Number(process.env.KRING_FUZZ_SEED) : 20261130;
/**
 * Cases per kind of message, sized so the whole file takes well under a minute on two quiet cores
 * (at a load average of 13 it took 85 s, at 20 up to 200 s: the time-out leaves room for that).
 */
const RUNS = { randomBytes: 150, mutatedProtocol: 150, mutatedUpdates: 120, mutatedHostile: 40 };
/** The longest the server's own work may hold its event loop. */
const WORK_MS = 100;
/** A freeze, as the hostile shapes once caused (seconds per message), counted without the wait for a CPU. */
const FROZEN_MS = 1_000;

/** How a socket may end after a bad message: the protocol's own answers, never a crash (1006, 4500). */
const EXPECTED_CLOSES: number[] = [CLOSE.malformed.code, CLOSE.refused.code, CLOSE.tooLarge.code];

// PostgreSQL: the embedded PGlite runs its queries on the server's own event loop (about 120 ms at
// the longest in this file), and the bound is asked of Kring's live path: reading, guarding, storing,
// sending. Compaction runs as it does in production (every 500 updates), in a worker thread.
const kring = kringForThisFile({ database: 'postgres', env: { KRING_EVENT_LOOP_PROBE: '1' } });

/** The hostile shapes, each made to fit the message limit (the guard judges it) and some made too large. */
const HOSTILE: Record<string, () => Uint8Array> = {
	'values nested 5,500 deep': () => nestedArrayUpdate(5_500),
	'values nested 200,000 deep (too large)': () => nestedArrayUpdate(300_000),
	'types nested 2,000 deep': () => nestedTypesUpdate(2_000),
	'20,000 unseen clients': () => manyClientsUpdate(20_000),
	'200,000 unseen clients (too large)': () => manyClientsUpdate(200_000),
	'200,000 garbage-collected structs': () => gcStructsUpdate(200_000),
	'pending deletes of two unseen clients': () => pendingDeletesUpdate({ clients: 2, ranges: 20_000 }),
	'pending deletes of many unseen clients': () => pendingDeletesUpdate({ clients: 300, ranges: 10 }),
	'a delete of a range nobody wrote': () => deletionUpdate([{ client: strangerId(7), clock: 0, length: 1_000_000 }]),
	'scattered deletes of an unseen client': () => scatteredDeletesUpdate(strangerId(8), 20_000),
	'a character after one that never existed': () => missingPredecessorUpdate({ client: strangerId(99), clock: 41 }),
	'a gap in a client’s history': () => gapUpdate(strangerId(9), 1_000),
	'a deleted struct claiming ten million clocks': () => longDeletedUpdate(10_000_000),
	'an insert of 100,000 characters': () => bigInsertUpdate(100_000, { client: strangerId(10) }),
	'an insert of 3.9 MB (too large)': () => bigInsertUpdate(3_900_000, { client: strangerId(11) })
};

/** Edits a phone could make with Yjs itself, on a document of its own (so the update stands alone). */
const EDITS: ((doc: Y.Doc, text: string) => void)[] = [
	(doc, text) => addAgreement(doc, text, { createdBy: 'Mallory' }),
	(doc, text) => addConcern(doc, text, { participantId: 'mallory', role: 'family', name: 'Mallory' }),
	(doc, text) => addGroundRule(doc, text),
	(doc, text) => setField(doc, 'evaluation', text),
	(doc, text) => appendToField(doc, 'monitor', text),
	(doc, text) => doc.getMap('unknown-part').set('x', text),
	(doc, text) => doc.getArray('agreements').push([text]),
	(doc, text) => doc.getText('contingency').insert(0, text)
];

function yjsUpdate(edits: { edit: number; text: string }[], client: number): Uint8Array {
	const doc = new Y.Doc();
	doc.clientID = client;
	for (const { edit, text } of edits) EDITS[edit](doc, text);
	const update = Y.encodeStateAsUpdate(doc);
	doc.destroy();
	return update;
}

const TEXT = fc.string({ maxLength: 40, unit: 'grapheme' });
const CLIENT = fc.integer({ min: strangerId(1000), max: strangerId(2000) });
const yjsUpdates = fc
	.tuple(fc.array(fc.record({ edit: fc.nat(EDITS.length - 1), text: TEXT }), { minLength: 1, maxLength: 4 }), CLIENT)
	.map(([edits, client]) => yjsUpdate(edits, client));

/** Real protocol messages as a phone sends them. */
const protocolMessages = fc.oneof(
	yjsUpdates.map((update) => syncUpdate(update)),
	yjsUpdates.map((update) => syncStep2(update)),
	yjsUpdates.map((update) => syncStep1(Y.encodeStateVectorFromUpdate(update))),
	fc
		.record({ clientId: fc.nat(), clock: fc.nat(), name: TEXT })
		.map(({ clientId, clock, name }) => awarenessMessage([{ clientId, clock, state: { user: { name } } }])),
	fc.constant(queryAwareness())
);

function writeVarUint(value: number): number[] {
	const out: number[] = [];
	while (value > 0x7f) {
		out.push(0x80 | (value & 0x7f));
		value = Math.floor(value / 128);
	}
	out.push(value);
	return out;
}

type Mutation =
	| { kind: 'flip'; at: number; bit: number }
	| { kind: 'truncate'; at: number }
	| { kind: 'set'; at: number; byte: number }
	| { kind: 'length'; value: number }
	| { kind: 'type'; type: number }
	| { kind: 'splice'; at: number; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
	fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
	fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
	fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.nat(255) }),
	fc.record({ kind: fc.constant('length' as const), value: fc.oneof(fc.nat(300), fc.nat(2 ** 32 - 1)) }),
	fc.record({ kind: fc.constant('type' as const), type: fc.oneof(fc.nat(5), fc.nat(255)) }),
	fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) })
);

/**
 * One mutation of a message. `header` is where its first length field starts (after the message
 * type, and the sync step for sync messages); 0 for a bare update, whose first field is a count.
 */
function mutate(message: Uint8Array, change: Mutation, header: number): Uint8Array {
	const bytes = Array.from(message);
	const at = (n: number) => (bytes.length === 0 ? 0 : n % bytes.length);
	switch (change.kind) {
		case 'flip':
			if (bytes.length) bytes[at(change.at)] ^= 1 << change.bit;
			return Uint8Array.from(bytes);
		case 'truncate':
			return Uint8Array.from(bytes.slice(0, at(change.at)));
		case 'set':
			if (bytes.length) bytes[at(change.at)] = change.byte;
			return Uint8Array.from(bytes);
		case 'length': {
			// Replace the varuint at `header` with another value.
			let end = Math.min(header, bytes.length);
			while (end < bytes.length && bytes[end] & 0x80) end++;
			return Uint8Array.from([...bytes.slice(0, header), ...writeVarUint(change.value), ...bytes.slice(end + 1)]);
		}
		case 'type':
			return Uint8Array.from([change.type, ...bytes.slice(1)]);
		case 'splice': {
			const i = bytes.length === 0 ? 0 : change.at % (bytes.length + 1);
			return Uint8Array.from([...bytes.slice(0, i), ...change.bytes, ...bytes.slice(i)]);
		}
	}
}

/** Where the first length field of a protocol message starts: after type (and step, for sync). */
const headerOf = (message: Uint8Array) => (message[0] === 0 ? 2 : 1);

const ARBITRARIES = {
	randomBytes: fc.uint8Array({ maxLength: 400 }),
	mutatedProtocol: fc
		.tuple(protocolMessages, fc.array(mutation, { minLength: 1, maxLength: 3 }))
		.map(([message, changes]) => changes.reduce((bytes, change) => mutate(bytes, change, headerOf(message)), message)),
	mutatedUpdates: fc
		.tuple(yjsUpdates, fc.array(mutation, { minLength: 0, maxLength: 3 }))
		.map(([update, changes]) => syncUpdateMessage(changes.reduce((bytes, change) => mutate(bytes, change, 0), update))),
	mutatedHostile: fc
		.tuple(fc.constantFrom(...Object.values(HOSTILE)), fc.array(mutation, { minLength: 1, maxLength: 2 }))
		.map(([make, changes]) => syncUpdateMessage(changes.reduce((bytes, change) => mutate(bytes, change, 0), make())))
};

/** Mallory's raw socket on the plan, opened again whenever the server has closed it. */
class Fuzzer {
	cases = 0;
	readonly closes = new Map<number, number>();
	private socket: RawSocket | null = null;

	constructor(
		private readonly mallory: FamilyMember,
		private readonly conferenceId: string
	) {}

	/**
	 * Sends one message, then a sync step 1: the socket either answers it (the message was taken
	 * or ignored) or is closed. Returns the close code, or null while the socket stays open.
	 */
	async send(message: Uint8Array): Promise<number | null> {
		this.cases++;
		const socket = await this.open();
		const answered = () => socket.messages.filter((bytes) => isSyncStep2(bytes)).length;
		const before = answered();
		socket.send(message);
		socket.send(syncStep1());
		await waitUntil(
			() => answered() > before || !socket.isOpen || socket.closeFrame !== null,
			'the server answers or closes the fuzzed socket'
		);
		const outcome = answered() > before ? null : (await socket.closed).code;
		if (outcome !== null) {
			this.closes.set(outcome, (this.closes.get(outcome) ?? 0) + 1);
			socket.destroy();
			this.socket = null;
		}
		return outcome;
	}

	async close(): Promise<void> {
		await this.socket?.close();
		this.socket = null;
	}

	private async open(): Promise<RawSocket> {
		if (this.socket?.isOpen && !this.socket.closeFrame) return this.socket;
		const socket = await openRawSocket(this.mallory.client, this.conferenceId, 'plan');
		if (socket.status !== 101) throw new Error(`Mallory's socket was refused: HTTP ${socket.status}`);
		this.socket = socket;
		return socket;
	}
}

function isSyncStep2(bytes: Uint8Array): boolean {
	try {
		return decodeMessage(bytes).kind === 'sync-step-2';
	} catch {
		return false;
	}
}

/** Types into a plan field, a word at a time, until told to stop; returns everything typed. */
async function keepTyping(doc: Y.Doc, field: 'contingency' | 'monitor', name: string, running: () => boolean) {
	let typed = '';
	for (let word = 0; running() || word < 3; word++) {
		const text = `${name}${word} `;
		await typeInto(doc, field, text);
		typed += text;
		// A fast typist, well within the 100 messages a second a socket is read at.
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	return typed;
}

/**
 * What one phone typed into a plan field, in document order: Mallory may write into the same
 * field (Yjs places those characters between the words), but never inside or over a phone's own.
 */
function typedBy(doc: Y.Doc, field: 'contingency' | 'monitor', client: number): string {
	let text = '';
	for (let item = doc.getText(field)._start; item; item = item.right)
		if (item.id.client === client && !item.deleted) text += item.content.getContent().join('');
	return text;
}

it('fuzzed messages end only their own socket; the family keeps typing, converges and its plan loads again', async () => {
	const started = performance.now();
	console.log(`fuzz seed ${SEED} (replay with KRING_FUZZ_SEED=${SEED})`);
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, [
		'Anna',
		'Bob',
		'Mallory',
		'Carla'
	]);
	const [anna, bob, mallory, carla] = family;
	const annaPhone = docs.open(anna.client, conferenceId, 'plan');
	const bobPhone = docs.open(bob.client, conferenceId, 'plan');
	await Promise.all([annaPhone.synced, bobPhone.synced]);

	// The probe counts from here: the set-up's first page loads (loading their code) are not the fuzz.
	await readEventLoop(server);

	let fuzzing = true;
	const annaTyping = keepTyping(annaPhone.doc, 'contingency', 'anna', () => fuzzing);
	const bobTyping = keepTyping(bobPhone.doc, 'monitor', 'bob', () => fuzzing);

	const fuzzer = new Fuzzer(mallory, conferenceId);
	const unexpected: { what: string; code: number }[] = [];
	try {
		for (const [what, make] of Object.entries(HOSTILE)) {
			const code = await fuzzer.send(syncUpdateMessage(make()));
			if (code !== null && !EXPECTED_CLOSES.includes(code)) unexpected.push({ what, code });
		}
		for (const [kind, arbitrary] of Object.entries(ARBITRARIES)) {
			await fc.assert(
				fc.asyncProperty(arbitrary, async (message) => {
					const code = await fuzzer.send(message);
					if (code !== null && !EXPECTED_CLOSES.includes(code)) throw new Error(`the socket was closed with ${code}`);
				}),
				{ seed: SEED, numRuns: RUNS[kind as keyof typeof RUNS], endOnFailure: true }
			);
		}
	} finally {
		fuzzing = false;
		await fuzzer.close();
	}
	const [annaTyped, bobTyped] = await Promise.all([annaTyping, bobTyping]);
	expect(unexpected).toEqual([]);

	// The server still answers pages, and the phones never lost their sockets.
	expect((await coordinator.client.get('/staff')).status).toBe(200);
	expect(annaPhone.closeEvents).toEqual([]);
	expect(bobPhone.closeEvents).toEqual([]);

	// Both phones hold both typists' words, and a fresh phone loads exactly that plan.
	await waitForConvergence([annaPhone.doc, bobPhone.doc], 'the honest phones converge');
	const honest = { anna: annaPhone.doc.clientID, bob: bobPhone.doc.clientID };
	expect(typedBy(annaPhone.doc, 'contingency', honest.anna)).toBe(annaTyped);
	expect(typedBy(annaPhone.doc, 'monitor', honest.bob)).toBe(bobTyped);
	const fresh = docs.open(carla.client, conferenceId, 'plan');
	await fresh.synced;
	await waitForConvergence([fresh.doc, annaPhone.doc], 'a fresh phone loads what the phones hold');
	const loop = await readEventLoop(server);
	const before = new Y.Doc();
	Y.applyUpdate(before, Y.encodeStateAsUpdate(annaPhone.doc));
	annaPhone.destroy();
	bobPhone.destroy();
	fresh.destroy();

	// A fresh process loads the stored plan: the same state, the honest words in it.
	await server.restart();
	const reloaded = docs.open(carla.client, conferenceId, 'plan');
	await reloaded.synced;
	expect(sameState(reloaded.doc, before)).toBe(true);
	expect(typedBy(reloaded.doc, 'contingency', honest.anna)).toBe(annaTyped);
	expect(typedBy(reloaded.doc, 'monitor', honest.bob)).toBe(bobTyped);
	reloaded.destroy();

	console.log(
		`fuzz: ${fuzzer.cases} cases (seed ${SEED}); closes by code ${JSON.stringify(Object.fromEntries(fuzzer.closes))}; ` +
			`longest event-loop block ${loop.longestBlockMs} ms over ${loop.samples} samples; of the server's own: ` +
			`on a CPU ${loop.cpuBlockMs} ms, not waiting for a CPU ${loop.ownBlockMs} ms (waited ${loop.waitedMs} ms in all); honest keys ${annaTyped.length + bobTyped.length}; ` +
			`${Math.round((performance.now() - started) / 1000)} s`
	);
	// Without the kernel's figures (not Linux), the wall-clock block is all there is.
	expect(loop.cpuBlockMs ?? loop.longestBlockMs).toBeLessThan(WORK_MS);
	expect(loop.ownBlockMs ?? loop.longestBlockMs).toBeLessThan(FROZEN_MS);
}, 300_000);
