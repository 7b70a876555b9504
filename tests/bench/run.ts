/**
 * `npm run bench`: Kring's collab server side by side with the y-websocket reference server, in
 * one run, with the same clients. Figures only, no assertions: they are read, not enforced.
 *
 *   (a) fan-out: one writer types into the plan, N readers receive every keystroke
 *   (b) revocation: K coordinator sockets on the brief, the hand-over to private time closes them
 *   (c) cold load of a plan with many stored updates, before and after compaction, and the
 *       server's longest event-loop block while it compacts
 *
 * `npm run bench -- cold` runs (c) only (`--updates=5000`: a shorter history than 10,000).
 *
 * Kring is the built server (run `npm run build` first; `npm run bench` does) in a child
 * process on a fresh PGlite directory, reached through its real HTTP routes and session cookies.
 * The reference is @y/websocket-server 0.1.1 in a worker thread: in memory, no persistence, no
 * authentication, no access rules.
 *
 * `npm run bench -- many-rooms` runs the many-conferences profile instead (many-rooms.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as Y from 'yjs';
import { readEventLoop } from '../support/event-loop';
import type { Browser } from '../support/http-client';
import { startKring, type KringServer, type StartOptions } from '../support/server';
import { changePhase, conferenceWithFamily, createCoordinator } from '../support/steps';
import { collabUrl, withTimeout } from '../support/yjs-client';
import { BenchClient, clockOf, openClients, REMOTE, sleep, type Closed } from './bench-client';
import { manyRooms } from './many-rooms';
import { bytes, median, ms, percentile, rate, table } from './stats';

const READERS = [10, 50];
/** Keystrokes typed one by one, every TYPING_INTERVAL ms (100 a second: faster than anyone types). */
const TYPED = 200;
const TYPING_INTERVAL = 10;
/** Updates sent back to back, for throughput. */
const BURST = 1000;
const HOLDERS = [1, 20, 100];
const REVOCATION_ROUNDS = 5;
/** Typed updates stored for the cold load (c); `--updates=N` changes it. */
const STORED_UPDATES = Number(process.argv.find((arg) => arg.startsWith('--updates='))?.split('=')[1] ?? 10_000);
const LOADS = 5;
/** A top-level text of the plan: Kring's update guard refuses writes into parts the plan does not have. */
const FIELD = 'contingency';

type FanOutRoom = { url: string; writerCookie?: string; readerCookies: (string | undefined)[] };
type FanOutResult = {
	typingAll: number[];
	typingEach: number[];
	burstMs: number;
	burstAll: number[];
};

async function main(): Promise<void> {
	const startedAt = performance.now();
	console.log(
		`Kring bench — Node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}), ${new Date().toISOString()}`
	);
	// Other work on the machine shows up in every figure: the load average says how much there was.
	console.log(
		`load average at start: ${loadavg()
			.map((n) => n.toFixed(2))
			.join(' ')}`
	);

	const reference = await startReference();
	const onlyCold = process.argv.includes('cold');
	const kring = onlyCold ? null : await startBenchKring();
	if (kring)
		try {
			const coordinator = (await createCoordinator(kring)).client;
			const dataDir = kring.database.kind === 'pglite' ? kring.database.dataDir : '?';
			console.log(`Kring on ${kring.url} (PGlite in ${dataDir}); reference on ${reference.origin}`);

			// One small unmeasured round each, so that neither side is measured while its code is still cold.
			progress('(a) warm-up');
			await fanOut(await prepareKringFanOut(kring, coordinator, 2), 2, 50, 200);
			await fanOut({ url: `${reference.wsOrigin}/warm-up`, readerCookies: [undefined, undefined] }, 2, 50, 200);

			const fanOutRows: string[][] = [];
			for (const readers of READERS) {
				const kringRoom = await prepareKringFanOut(kring, coordinator, readers);
				const referenceRoom: FanOutRoom = {
					url: `${reference.wsOrigin}/fan-out-${readers}`,
					readerCookies: Array(readers).fill(undefined)
				};
				for (const [name, room] of [
					['Kring', kringRoom],
					['reference', referenceRoom]
				] as const) {
					progress(`(a) fan-out, ${name}, ${readers} readers`);
					fanOutRows.push(fanOutRow(name, readers, await fanOut(room, readers)));
				}
			}
			console.log(
				table(
					`(a) fan-out: 1 writer typing into one document, N readers; ${TYPED} keystrokes every ${TYPING_INTERVAL} ms, then ${BURST} back to back`,
					[
						'server',
						'readers',
						'typing p50',
						'p95',
						'max',
						'one reader p50',
						'burst to all',
						'updates/s',
						'deliveries/s',
						'burst p95'
					],
					fanOutRows,
					[
						"typing p50/p95/max: from the writer's keystroke until the last of the N readers has it.",
						'one reader p50: the same, per single delivery. burst: time until every reader has all updates.',
						'Kring commits every update to its database (PGlite here, group commit) before it broadcasts it;',
						'the reference (@y/websocket-server 0.1.1) keeps documents in memory only: no persistence, no authentication, no access rules.',
						"All clients are raw ws + y-protocols sockets in the bench process; readers only parse each update's header."
					]
				)
			);

			const revocationRows: string[][] = [];
			for (const holders of HOLDERS) {
				progress(`(b) revocation, ${holders} socket(s)`);
				revocationRows.push(revocationRow('Kring', holders, await revokeKring(kring, coordinator, holders)));
				revocationRows.push(revocationRow('reference', holders, await revokeReference(reference, holders)));
			}
			console.log(
				table(
					`(b) revocation: K coordinator sockets on the brief in the information phase; hand-over to private time (${REVOCATION_ROUNDS} rounds each)`,
					['server', 'sockets', 'last closed p50', 'max', 'HTTP answer p50', 'close codes'],
					revocationRows,
					[
						'last closed: from sending the hand-over request until the client saw the last socket closed (target: under 100 ms).',
						'Kring: POST /c/<id>?/phase (session check, phase update in the database, bus message, every socket re-evaluated).',
						'reference: it has no access rules; POST /close-all simply closes every socket of the document (the floor: no auth, no database).'
					]
				)
			);
		} finally {
			await kring.stop();
		}

	progress('(c) cold load');
	const { rows: coldRows, compactionBlockMs, loadBlockMs } = await coldLoad(reference);
	console.log(
		table(
			`(c) loading one plan of ${STORED_UPDATES} typed updates: from opening the socket until the document is applied (${LOADS} loads each)`,
			['what', 'stored', 'p50', 'min', 'max'],
			coldRows,
			[
				'Kring cold: no socket is on the document, so the server reads it from the database (PGlite) and applies it first.',
				'Before compaction the update log holds one row per keystroke; compaction folds them into one snapshot.',
				'The reference cannot load cold: it keeps nothing on disk and drops a document when its last socket leaves.',
				'Yjs in-process: the same updates applied to a fresh Y.Doc in the bench process, without network or database: the floor.',
				`While the server loaded the ${STORED_UPDATES}-row log its event loop was held at most ${ms(loadBlockMs)};`,
				`while it folded that log into a snapshot, at most ${ms(compactionBlockMs)}`,
				'(KRING_EVENT_LOOP_PROBE; Yjs work in a worker thread, the PGlite queries in a thread of their own).'
			]
		)
	);

	await reference.worker.terminate();
	console.log(`\nbench finished in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
}

function progress(what: string): void {
	process.stderr.write(`… ${what}\n`);
}

/**
 * The built Kring through the shared test harness, in its embedded set-up: one process, PGlite
 * (also when DATABASE_URL is set), in-process fan-out. Its errors are shown as they happen.
 */
function startBenchKring(options: StartOptions = {}): Promise<KringServer> {
	return startKring({
		database: 'pglite',
		onStderr: (text) => process.stderr.write(`[kring server] ${text}`),
		...options,
		// The bench measures the live path, not the flood limits: its one writer types a 1000-update
		// burst and its readers share sessions, which a phone never does.
		env: { ...BENCH_LIMITS, ...options.env }
	});
}

const BENCH_LIMITS = {
	KRING_SOCKETS_PER_SESSION: '1000',
	KRING_SOCKETS_PER_ROOM: '1000',
	KRING_SOCKET_MESSAGE_RATE: '1000000',
	KRING_SOCKET_BYTE_RATE: String(1024 * 1024 * 1024)
};

/** A conference in the information phase with `names` joined as family; their session cookies. */
async function benchConference(kring: KringServer, coordinator: Browser, title: string, names: string[]) {
	const { conferenceId, family } = await conferenceWithFamily(kring, coordinator, names, {
		title,
		question: 'Hoe zorgen we samen dat het goed gaat?'
	});
	await changePhase(coordinator, conferenceId, 'information');
	return { id: conferenceId, cookies: family.map((member) => member.client.cookieHeader()) };
}

// ---------------------------------------------------------------------------------------------
// (a) fan-out

async function prepareKringFanOut(kring: KringServer, coordinator: Browser, readers: number): Promise<FanOutRoom> {
	const readerNames = Array.from({ length: readers }, (_, i) => `Lezer ${i + 1}`);
	const { id, cookies } = await benchConference(kring, coordinator, `Fan-out ${readers}`, [
		'Schrijver',
		...readerNames
	]);
	const [writerCookie, ...readerCookies] = cookies;
	return { url: collabUrl(kring, id, 'plan'), writerCookie, readerCookies };
}

async function fanOut(
	room: FanOutRoom,
	readerCount: number,
	typedCount = TYPED,
	burstCount = BURST
): Promise<FanOutResult> {
	const doc = new Y.Doc();
	const text = doc.getText(FIELD);
	const writerId = doc.clientID;
	const total = typedCount + burstCount;
	const sentAt = new Float64Array(total);
	const arrivals = Array.from({ length: readerCount }, () => new Float64Array(total));
	const reached = new Int32Array(readerCount);
	let goal = 0;
	let behind = 0;
	let onGoal = () => {};

	const readers = await openClients(
		readerCount,
		25,
		(r) =>
			new BenchClient(room.url, {
				cookie: room.readerCookies[r],
				onUpdate: (update, at) => {
					const clock = clockOf(update, writerId);
					if (clock <= reached[r]) return;
					for (let seq = reached[r]; seq < clock; seq++) arrivals[r][seq] = at;
					const before = reached[r];
					reached[r] = clock;
					if (before < goal && clock >= goal && --behind === 0) onGoal();
				}
			})
	);
	const writer = new BenchClient(room.url, { cookie: room.writerCookie, doc });
	await writer.opened;
	await withTimeout(writer.synced, 15_000, 'writer sync');
	const allReached = (target: number) => {
		goal = target;
		behind = [...reached].filter((value) => value < target).length;
		return new Promise<void>((resolve) => {
			onGoal = resolve;
			if (behind === 0) resolve();
		});
	};

	const typed = allReached(typedCount);
	const typingStart = performance.now();
	for (let seq = 0; seq < typedCount; seq++) {
		const wait = typingStart + seq * TYPING_INTERVAL - performance.now();
		if (wait > 0) await sleep(wait);
		sentAt[seq] = performance.now();
		text.insert(seq, 'x');
	}
	await withTimeout(typed, 60_000, 'typing fan-out');

	const burst = allReached(total);
	const burstStart = performance.now();
	for (let seq = typedCount; seq < total; seq++) {
		sentAt[seq] = performance.now();
		text.insert(seq, 'x');
	}
	await withTimeout(burst, 120_000, 'burst fan-out');

	const lastArrival = (seq: number) => Math.max(...arrivals.map((a) => a[seq]));
	const result: FanOutResult = {
		typingAll: [],
		typingEach: [],
		burstAll: [],
		burstMs: lastArrival(total - 1) - burstStart
	};
	for (let seq = 0; seq < typedCount; seq++) {
		result.typingAll.push(lastArrival(seq) - sentAt[seq]);
		for (const a of arrivals) result.typingEach.push(a[seq] - sentAt[seq]);
	}
	for (let seq = typedCount; seq < total; seq++) result.burstAll.push(lastArrival(seq) - sentAt[seq]);

	await Promise.all([writer, ...readers].map((client) => client.close()));
	doc.destroy();
	return result;
}

function fanOutRow(name: string, readers: number, r: FanOutResult): string[] {
	return [
		name,
		String(readers),
		ms(percentile(r.typingAll, 50)),
		ms(percentile(r.typingAll, 95)),
		ms(Math.max(...r.typingAll)),
		ms(percentile(r.typingEach, 50)),
		ms(r.burstMs),
		rate((BURST / r.burstMs) * 1000),
		rate(((BURST * readers) / r.burstMs) * 1000),
		ms(percentile(r.burstAll, 95))
	];
}

// ---------------------------------------------------------------------------------------------
// (b) revocation

type Revocation = { lastClosed: number; answered: number; codes: number[] };

async function revokeKring(kring: KringServer, coordinator: Browser, holders: number): Promise<Revocation[]> {
	const rounds: Revocation[] = [];
	for (let round = 0; round < REVOCATION_ROUNDS; round++) {
		// Private time needs at least one family member who joined.
		const { id } = await benchConference(kring, coordinator, `Revocation ${holders}/${round}`, ['Familie']);
		const url = collabUrl(kring, id, 'brief');
		const cookie = coordinator.cookieHeader();
		const clients = await openClients(holders, 50, () => new BenchClient(url, { cookie }));
		rounds.push(await measureRevocation(clients, () => changePhase(coordinator, id, 'private')));
	}
	return rounds;
}

async function revokeReference(reference: Reference, holders: number): Promise<Revocation[]> {
	const rounds: Revocation[] = [];
	for (let round = 0; round < REVOCATION_ROUNDS; round++) {
		const name = `revocation-${holders}-${round}`;
		const clients = await openClients(holders, 50, () => new BenchClient(`${reference.wsOrigin}/${name}`));
		rounds.push(
			await measureRevocation(clients, async () => {
				const response = await fetch(`${reference.origin}/close-all?doc=${name}`, { method: 'POST' });
				return response.text();
			})
		);
	}
	return rounds;
}

async function measureRevocation(clients: BenchClient[], request: () => Promise<unknown>): Promise<Revocation> {
	const started = performance.now();
	const answered = request().then(() => performance.now() - started);
	const closes: Closed[] = await withTimeout(Promise.all(clients.map((client) => client.closed)), 15_000, 'revocation');
	return {
		lastClosed: Math.max(...closes.map((close) => close.at)) - started,
		answered: await answered,
		codes: [...new Set(closes.map((close) => close.code))]
	};
}

function revocationRow(name: string, holders: number, rounds: Revocation[]): string[] {
	const last = rounds.map((r) => r.lastClosed);
	return [
		name,
		String(holders),
		ms(median(last)),
		ms(Math.max(...last)),
		ms(median(rounds.map((r) => r.answered))),
		[...new Set(rounds.flatMap((r) => r.codes))].join(',')
	];
}

// ---------------------------------------------------------------------------------------------
// (c) cold load

async function coldLoad(
	reference: Reference
): Promise<{ rows: string[][]; compactionBlockMs: number; loadBlockMs: number }> {
	// One PGlite folder for two processes in turn, read by the bench in between.
	const dataDir = mkdtempSync(join(tmpdir(), 'kring-bench-'));
	const rows: string[][] = [];
	let compactionBlockMs = NaN;
	let loadBlockMs = NaN;
	let first: KringServer | null = null;
	let second: KringServer | null = null;
	const doc = new Y.Doc();
	const text = doc.getText(FIELD);
	const typed: Uint8Array[] = [];
	doc.on('update', (update: Uint8Array, origin: unknown) => {
		if (origin !== REMOTE) typed.push(update);
	});
	try {
		// No compaction while the log is written, so the first loads read one row per keystroke.
		// A document is unloaded the moment its last socket leaves (no grace period), so every load is cold.
		first = await startBenchKring({
			dataDir,
			env: { KRING_COMPACT_AFTER: String(1e9), KRING_ROOM_GRACE_MS: '0', KRING_EVENT_LOOP_PROBE: '1' }
		});
		const coordinator = (await createCoordinator(first)).client;
		const {
			id,
			cookies: [family]
		} = await benchConference(first, coordinator, 'Cold load', ['Schrijver']);

		const written = await typeAndWait(
			collabUrl(first, id, 'plan'),
			family,
			doc,
			() => {
				for (let i = 0; i < STORED_UPDATES; i++) text.insert(i, 'x');
			},
			STORED_UPDATES
		);
		progress(
			`(c) ${STORED_UPDATES} updates stored in ${ms(written)} (${rate((STORED_UPDATES / written) * 1000)}, one writer, each committed before its echo)`
		);
		await sleep(300);

		const planUrl = () => collabUrl(second ?? first!, id, 'plan');
		await readEventLoop(first);
		const before = await loads(planUrl(), family, STORED_UPDATES, false);
		loadBlockMs = (await readEventLoop(first)).longestBlockMs;
		const warm = await loads(planUrl(), family, STORED_UPDATES, true);
		await first.stop();
		const logged = await countStored(dataDir, id);

		// A fresh process that compacts after every update: one more keystroke folds the log.
		second = await startBenchKring({
			dataDir,
			env: { KRING_COMPACT_AFTER: '1', KRING_EVENT_LOOP_PROBE: '1', KRING_ROOM_GRACE_MS: '0' }
		});
		// The room is loaded first (a holder keeps it open), so that the probe sees the fold, not the load.
		const holder = new BenchClient(planUrl(), { cookie: family });
		await withTimeout(holder.synced, 60_000, 'holder sync');
		await readEventLoop(second);
		await typeAndWait(planUrl(), family, doc, () => text.insert(STORED_UPDATES, 'y'), STORED_UPDATES + 1);
		// Long enough for the fold to finish; the rows left after it are counted below.
		await sleep(2000);
		compactionBlockMs = (await readEventLoop(second)).longestBlockMs;
		await holder.close();
		const after = await loads(planUrl(), family, STORED_UPDATES + 1, false);
		await second.stop();
		const compacted = await countStored(dataDir, id);

		rows.push(loadRow('Kring cold, before compaction', `${logged.updates} rows, ${bytes(logged.updateBytes)}`, before));
		rows.push(
			loadRow(
				'Kring cold, after compaction',
				`snapshot ${bytes(compacted.snapshotBytes)} + ${compacted.updates} rows`,
				after
			)
		);
		rows.push(loadRow('Kring warm (room open: another socket on it)', '–', warm));
	} finally {
		await first?.stop();
		await second?.stop();
		rmSync(dataDir, { recursive: true, force: true });
	}

	const referenceName = 'cold-load';
	const holder = new BenchClient(`${reference.wsOrigin}/${referenceName}`, { doc });
	await holder.opened;
	await holder.synced;
	// The holder sends its content in answer to the server's sync step 1: give the server a moment to apply it.
	await sleep(200);
	rows.push(
		loadRow(
			'reference warm (document in memory)',
			'nothing',
			await loads(`${reference.wsOrigin}/${referenceName}`, undefined, STORED_UPDATES + 1, false)
		)
	);
	await holder.close();

	const compactedState = Y.encodeStateAsUpdate(doc);
	rows.push(
		loadRow(
			`Yjs in-process: apply ${typed.length} updates`,
			'–',
			repeat(() => applyAll(typed))
		)
	);
	rows.push(
		loadRow(
			'Yjs in-process: apply the compacted state',
			bytes(compactedState.byteLength),
			repeat(() => applyAll([compactedState]))
		)
	);
	doc.destroy();
	return { rows, compactionBlockMs, loadBlockMs };
}

/** Connects a writer with `doc`, runs `type`, and waits until the server echoed clock `clock`. */
async function typeAndWait(url: string, cookie: string, doc: Y.Doc, type: () => void, clock: number): Promise<number> {
	let done = () => {};
	const echoed = new Promise<void>((resolve) => (done = resolve));
	const writer = new BenchClient(url, {
		cookie,
		doc,
		onUpdate: (update) => {
			if (clockOf(update, doc.clientID) >= clock) done();
		}
	});
	await writer.opened;
	await withTimeout(writer.synced, 15_000, 'writer sync');
	const started = performance.now();
	type();
	await withTimeout(echoed, 180_000, 'storing updates');
	const elapsed = performance.now() - started;
	await writer.close();
	return elapsed;
}

/** Opens a fresh client LOADS times and times it until the whole document is applied. */
async function loads(
	url: string,
	cookie: string | undefined,
	length: number,
	keepRoomOpen: boolean
): Promise<number[]> {
	const holder = keepRoomOpen ? new BenchClient(url, { cookie }) : null;
	if (holder) await withTimeout(holder.synced, 60_000, 'holder sync');
	const times: number[] = [];
	for (let i = 0; i < LOADS; i++) {
		const doc = new Y.Doc();
		const started = performance.now();
		const client = new BenchClient(url, { cookie, doc });
		await client.opened;
		await withTimeout(client.synced, 60_000, 'load');
		times.push(performance.now() - started);
		if (doc.getText(FIELD).length !== length)
			throw new Error(`loaded ${doc.getText(FIELD).length} characters, expected ${length}`);
		await client.close();
		doc.destroy();
		// Let the server see the socket go, so that the next load finds no room open.
		await sleep(150);
	}
	await holder?.close();
	return times;
}

function applyAll(updates: Uint8Array[]): number {
	const started = performance.now();
	const doc = new Y.Doc();
	doc.transact(() => {
		for (const update of updates) Y.applyUpdate(doc, update);
	});
	const elapsed = performance.now() - started;
	doc.destroy();
	return elapsed;
}

function repeat(run: () => number): number[] {
	return Array.from({ length: LOADS }, run);
}

function loadRow(what: string, stored: string, times: number[]): string[] {
	return [what, stored, ms(median(times)), ms(Math.min(...times)), ms(Math.max(...times))];
}

/** Reads what the stopped server left in its PGlite directory for one plan. */
async function countStored(dataDir: string, conferenceId: string) {
	const { PGlite } = await import('@electric-sql/pglite');
	const db = new PGlite(join(dataDir, 'pglite'));
	try {
		const updates = await db.query<{ n: number; size: number }>(
			`select count(*)::int as n, coalesce(sum(octet_length(update)), 0)::int as size from doc_updates where conference_id = $1 and document_name = 'plan'`,
			[conferenceId]
		);
		const snapshot = await db.query<{ size: number }>(
			`select coalesce(sum(octet_length(state)), 0)::int as size from doc_snapshots where conference_id = $1 and document_name = 'plan'`,
			[conferenceId]
		);
		return { updates: updates.rows[0].n, updateBytes: updates.rows[0].size, snapshotBytes: snapshot.rows[0].size };
	} finally {
		await db.close();
	}
}

// ---------------------------------------------------------------------------------------------
// the reference server

type Reference = { worker: Worker; origin: string; wsOrigin: string };

async function startReference(): Promise<Reference> {
	const env = { ...process.env };
	// In memory, always: with YPERSISTENCE set, the reference would write to LevelDB.
	delete env.YPERSISTENCE;
	delete env.CALLBACK_URL;
	const worker = new Worker(new URL('./reference-server.js', import.meta.url), { env });
	const port = await new Promise<number>((resolve, reject) => {
		worker.once('message', (message: { port: number }) => resolve(message.port));
		worker.once('error', reject);
	});
	return { worker, origin: `http://127.0.0.1:${port}`, wsOrigin: `ws://127.0.0.1:${port}` };
}

const profile = process.argv.includes('many-rooms') ? manyRooms(process.argv.slice(2)) : main();
profile.then(
	() => process.exit(0),
	(error: Error) => {
		console.error('\nbench failed:', error.stack ?? error.message);
		process.exit(1);
	}
);
