import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import {
	assertFamilyStillSyncs,
	awarenessMessage,
	Browser,
	databaseOf,
	decodeMessage,
	docBytes,
	docFromMessages,
	expectAction,
	found,
	rawDocSocket,
	REDIS_URL,
	sameBrowserOn,
	seedConference,
	startKring,
	syncStep1,
	syncUpdate,
	until,
	writeAgreement,
	Y,
	type KringServer,
	type RawSocket,
	type Seeded
} from './support';

/**
 * Kring scaled out: two instances behind a load balancer, sharing PostgreSQL and Redis. A phase
 * change or a removal made on one instance must reach every socket on the other, including a
 * socket that is still being opened at that very moment.
 */
describe('revocation across instances, and while a socket is being opened', () => {
	let database: ReturnType<typeof databaseOf>;
	let a: KringServer;
	let b: KringServer;
	let conference: Seeded;
	let cas: Browser;
	const forbidden = () => [conference.secret, conference.brief];
	const hasDocument = (socket: RawSocket) =>
		socket.messages.some((m) => ['sync-step-2', 'update', 'awareness'].includes(decodeMessage(m).kind));

	beforeAll(async () => {
		a = await startKring({ database: 'postgres', redisUrl: REDIS_URL });
		database = databaseOf(a);
		conference = await seedConference(a);
		cas = new Browser(a, 'Cas (family)');
		expectAction(
			await cas.action(`/j/${conference.familyInviteToken}`, 'default', { displayName: 'Cas', presence: 'room' }),
			'redirect'
		);
		b = await startKring({ sameDatabaseAs: a, redisUrl: REDIS_URL });
	});
	afterEach(async () => assertFamilyStillSyncs(conference));
	afterAll(async () => {
		conference?.close();
		await database?.end({ timeout: 1 });
		await b?.stop();
		await a?.stop();
	});

	it('a hand-over on one instance closes the staff sockets on the other', async () => {
		const sockets = [
			await rawDocSocket(sameBrowserOn(conference.coordinator, b), conference.id, 'brief'),
			await rawDocSocket(sameBrowserOn(conference.professional, b), conference.id, 'brief')
		];
		for (const socket of sockets) {
			expect(socket.status).toBe(101);
			socket.send(syncStep1());
		}
		for (const socket of sockets)
			await until(
				() => found(docBytes(docFromMessages(socket.messages)), [conference.briefTexts[1]]).length === 1,
				'the brief on B'
			);
		const bramOnB = conference.open(sameBrowserOn(conference.bram, b), 'plan');
		await bramOnB.synced();

		await conference.phase(conference.coordinator, 'private');
		await Promise.all(sockets.map((s) => s.closed()));
		const typed = conference.newSecret('typed-on-a-after-hand-over');
		writeAgreement(conference.annaPlan, typed);
		await until(() => bramOnB.has(typed), 'Bram on B to receive what Anna typed on A');
		for (const socket of sockets) {
			await socket.close();
			expect(socket.closeFrame?.code).toBe(CLOSE.revoked.code);
			expect(socket.framesAfterClose).toEqual([]);
			expect(found(socket.raw, [typed])).toEqual([]);
		}
		for (const staff of [conference.coordinator, conference.professional]) {
			for (const doc of ['plan', 'brief']) {
				const socket = await rawDocSocket(sameBrowserOn(staff, b), conference.id, doc);
				await socket.ended;
				expect(socket.status).toBe(403);
				expect(socket.frames).toEqual([]);
			}
		}
	});

	it('a relative removed while their socket is still opening gets nothing', async () => {
		const casOnB = sameBrowserOn(cas, b);
		// Cas has the plan open on B: when it closes, B has heard of the removal.
		const heard = await rawDocSocket(casOnB, conference.id, 'plan');
		heard.send(syncStep1());
		await until(
			() => found(Buffer.concat(heard.messages), [conference.planTexts[0]]).length === 1,
			'Cas to have the plan'
		);

		// Hold the document store for a moment, as a slow disk or a busy database would.
		const lock = await database.reserve();
		try {
			await lock`begin`;
			await lock`lock table doc_snapshots in access exclusive mode`;
			const opening = await rawDocSocket(casOnB, conference.id, 'brief');
			expect(opening.status).toBe(101);
			opening.send(syncStep1());
			await until(async () => {
				const [row] =
					await database`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike '%doc_snapshots%'`;
				return row.n > 0;
			}, 'B to wait for the brief to load');

			expectAction(
				await conference.anna.action(`/c/${conference.id}`, 'remove', {
					participantId: await conference.participantId(cas)
				}),
				'success'
			);
			await heard.closed();
			expect(heard.closeFrame?.code).toBe(CLOSE.removed.code);

			await lock`rollback`;
			await until(() => opening.closeFrame !== null || hasDocument(opening), 'the opening socket to be decided');
			await opening.close();
			expect(opening.messages.map((m) => decodeMessage(m).kind)).toEqual([]);
			expect([CLOSE.removed.code, CLOSE.revoked.code]).toContain(opening.closeFrame?.code);
			expect(found(opening.raw, forbidden())).toEqual([]);
		} finally {
			lock.release();
		}
		await heard.close();
	});

	it('a client on one instance cannot speak for a cursor that lives on the other', async () => {
		const observer = conference.open(sameBrowserOn(conference.bram, a, 'Bram, second tab on A'), 'plan');
		await observer.synced();
		conference.annaPlan.provider.awareness.setLocalStateField('focus', 'meta');
		const anna = conference.annaPlan.doc.clientID;
		await until(
			() => (observer.provider.awareness.getStates().get(anna) as { focus?: string } | undefined)?.focus === 'meta',
			'Anna on A'
		);
		const before = observer.provider.awareness.getStates().get(anna);
		const mallory = await rawDocSocket(sameBrowserOn(conference.bram, b, 'Bram, raw on B'), conference.id, 'plan');
		mallory.send(syncStep1());
		mallory.send(awarenessMessage([{ clientId: anna, clock: 50_000, state: { focus: 'spoofed-across' } }]));
		mallory.send(awarenessMessage([{ clientId: anna, clock: 50_001, state: null }]));
		mallory.send(awarenessMessage([{ clientId: 888_001, clock: 1, state: { focus: 'barrier' } }]));
		await until(
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
	let server: KringServer;
	let conference: Seeded;
	let database: ReturnType<typeof databaseOf>;

	beforeAll(async () => {
		server = await startKring({ database: 'postgres' });
		database = databaseOf(server);
		conference = await seedConference(server);
	});
	afterEach(async () => assertFamilyStillSyncs(conference));
	afterAll(async () => {
		conference?.close();
		await database?.end({ timeout: 1 });
		await server?.stop();
	});

	it("leaves no staff presence behind on the family's brief in private time", async () => {
		const { id, professional, coordinator, bram } = conference;
		// Bram's device reads the brief; everything the server sends it arrives in order.
		const watcher = await rawDocSocket(bram, id, 'brief');
		watcher.send(syncStep1());
		const socket = await rawDocSocket(professional, id, 'brief');
		socket.send(syncStep1());
		await until(
			() => socket.messages.some((m) => decodeMessage(m).kind === 'sync-step-2'),
			'the professional to have the brief'
		);
		const own = docFromMessages(socket.messages);
		const PROFESSIONAL_CLIENT = 424_242;
		const WATCHER_CLIENT = 434_343;
		/** What Bram's device was last told about a client's presence (undefined: never; null: gone). */
		const seen = (clientId: number) => {
			let last: unknown;
			for (const message of watcher.messages) {
				const decoded = decodeMessage(message);
				if (decoded.kind === 'awareness')
					for (const entry of decoded.states) if (entry.clientId === clientId) last = entry.state;
			}
			return last as { focus?: string } | null | undefined;
		};
		socket.send(awarenessMessage([{ clientId: PROFESSIONAL_CLIENT, clock: 1, state: { focus: 'conditions' } }]));
		await until(() => seen(PROFESSIONAL_CLIENT)?.focus === 'conditions', 'Bram to see the professional on the brief');

		const lastWords = conference.newBrief('typed-just-before-hand-over');
		const lock = await database.reserve();
		try {
			await lock`begin`;
			await lock`lock table doc_updates in access exclusive mode`;
			// A last edit (its storing now waits on the lock), and a cursor move queued behind it.
			const before = Y.encodeStateVector(own);
			own.getArray('conditions').push([new Y.Map([['text', new Y.Text(lastWords)]])]);
			socket.send(syncUpdate(Y.encodeStateAsUpdate(own, before)));
			socket.send(awarenessMessage([{ clientId: PROFESSIONAL_CLIENT, clock: 2, state: { focus: 'still-here' } }]));
			// A broken frame: the server closes the socket at once, so it has read all of the above.
			socket.send(new Uint8Array([99]));
			await socket.closed();
			expect(socket.closeFrame?.code).toBe(CLOSE.malformed.code);
			await until(() => seen(PROFESSIONAL_CLIENT) === null, "the professional's presence to leave Bram's screen");
			await until(async () => {
				const [row] =
					await database`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike '%doc_updates%'`;
				return row.n > 0;
			}, 'the edit to wait for the store');
			// The hand-over waits for the edit under way: a write is stored before a phase change that
			// forbids it, or refused after it, never stored after it (fencing, docs/design.md §5.2).
			const handOver = conference.phase(coordinator, 'private');
			await until(async () => {
				const [row] =
					await database`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike '%update "conferences"%'`;
				return row.n > 0;
			}, 'the hand-over to wait for the edit');
			await lock`rollback`;
			await handOver;
		} finally {
			lock.release();
		}
		// The edit typed before the hand-over lands (it was stored, so it is kept); after it,
		// Bram's own presence comes back to him behind everything the server sent before it.
		await until(
			() => found(docBytes(docFromMessages(watcher.messages)), [lastWords]).length === 1,
			'the last edit to land'
		);
		watcher.send(awarenessMessage([{ clientId: WATCHER_CLIENT, clock: 1, state: { focus: 'barrier' } }]));
		await until(() => seen(WATCHER_CLIENT)?.focus === 'barrier', "Bram's own presence");
		expect(seen(PROFESSIONAL_CLIENT), 'a staff member present on the brief in private time').toBeNull();
		await socket.close();
		await watcher.close();
	});
});
