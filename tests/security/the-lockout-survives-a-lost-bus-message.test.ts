import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import * as decoding from 'lib0/decoding';
import type postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CLOSE } from '$lib/collab/close-codes';
import { metaText } from '../../src/lib/plan/shape';
import { addAgreement, addCondition } from '../support/edits';
import { found } from '../support/found';
import { expectAction, type Browser, type EventStream } from '../support/http-client';
import { openRawSocket, type RawSocket } from '../support/raw-socket';
import { startRedisProxy, type RedisProxy } from '../support/redis-proxy';
import { databaseOf, startKring, TEST_REDIS_URL, type KringServer } from '../support/server';
import { createCoordinator, joinByLink, seenPlan } from '../support/steps';
import { decodeMessage, docBytes, docFromMessages, syncStep1, syncUpdate } from '../support/y-messages';
import { liveDocs, waitUntil, type LiveDoc } from '../support/yjs-client';
import { assertFamilyStillSyncs, seedConference, type Seeded } from './seeded-conference';

/**
 * Two instances over PostgreSQL and Redis, each talking to Redis through a proxy of the test's
 * (tests/support/redis-proxy.ts) that loses messages the way Redis pub/sub does: it drops an
 * instance's subscriber for a while (what `CLIENT KILL TYPE pubsub` or a network hiccup does), or
 * swallows what an instance publishes. The lease is a minute long here, so what keeps the
 * lockout is the database — fencing, the phase version, reading again after a gap — not a timer.
 */
describe('the lockout when a message between instances is lost', () => {
	const prefix = `kring-test-${randomBytes(4).toString('hex')}:`;
	const channel = `${prefix}bus`;
	const docs = liveDocs();
	let proxyA: RedisProxy;
	let proxyB: RedisProxy;
	let a: KringServer;
	let b: KringServer;
	let database: postgres.Sql;
	let conference: Seeded;
	let cas: Browser;
	/** The test's own ears on the bus, straight on Redis: what was published, and who listens. */
	let watcher: Redis;
	let redis: Redis;
	const heard: { type: string; conferenceId?: string; phase?: string }[] = [];
	const forbidden = () => [conference.secret, conference.brief];
	const opened: RawSocket[] = [];
	const raw = async (browser: Browser, name: 'plan' | 'brief') => {
		const socket = await openRawSocket(browser, conference.id, name);
		opened.push(socket);
		return socket;
	};
	const onB = (browser: Browser) => browser.on(b);
	/** Every instance's subscriber (and the watcher) listens on the bus again. */
	const everyoneListens = () =>
		waitUntil(async () => {
			const [, count] = (await redis.pubsub('NUMSUB', channel)) as [string, number];
			return Number(count) === 3;
		}, 'both instances to listen on the bus again');
	const storedCount = async (text: string) => {
		const needle = Buffer.from(text);
		const [row] = await database`
			select (select count(*) from doc_updates where conference_id = ${conference.id} and position(${needle}::bytea in update) > 0)
			     + (select count(*) from doc_snapshots where conference_id = ${conference.id} and position(${needle}::bytea in state) > 0) as n`;
		return Number(row.n);
	};

	beforeAll(async () => {
		proxyA = await startRedisProxy(TEST_REDIS_URL);
		proxyB = await startRedisProxy(TEST_REDIS_URL);
		const env = { KRING_REDIS_PREFIX: prefix, KRING_LEASE_MS: '60000' };
		a = await startKring({ database: 'postgres', redisUrl: proxyA.url, env });
		database = await databaseOf(a);
		conference = await seedConference({ server: a, coordinator: await createCoordinator(a), docs });
		cas = (await joinByLink(a, conference.familyLink, 'Cas')).client;
		b = await startKring({ sameDatabaseAs: a, redisUrl: proxyB.url, env });
		redis = new Redis(TEST_REDIS_URL);
		watcher = new Redis(TEST_REDIS_URL);
		watcher.on('messageBuffer', (_channel: Buffer, data: Buffer) => {
			heard.push(JSON.parse(decoding.readVarString(decoding.createDecoder(new Uint8Array(data)))));
		});
		await watcher.subscribe(channel);
		await everyoneListens();
	});
	afterEach(async () => {
		proxyA.heal();
		proxyB.heal();
		proxyA.swallowPublishes(false);
		await assertFamilyStillSyncs(conference);
	});
	afterAll(async () => {
		for (const socket of opened) await socket.close().catch(() => {});
		docs.closeAll();
		watcher?.disconnect();
		redis?.disconnect();
		await database?.end({ timeout: 1 });
		await b?.stop();
		await a?.stop();
		await proxyA?.close();
		await proxyB?.close();
	});

	it('a staff edit taken by an instance that never heard of the hand-over is not stored and reaches nobody', async () => {
		const pia = await raw(onB(conference.professional), 'brief');
		pia.send(syncStep1());
		await waitUntil(
			() => found(docBytes(docFromMessages(pia.messages)), [conference.briefTexts[1]]).length === 1,
			'the professional to have the brief on B'
		);
		const bram = await raw(onB(conference.bram), 'brief');
		bram.send(syncStep1());
		await waitUntil(() => bram.messages.some((m) => decodeMessage(m).kind === 'sync-step-2'), 'Bram to have the brief');

		// A's news never leaves A: B's rooms still think it is the information phase.
		proxyA.swallowPublishes(true);
		await conference.phase(conference.coordinator, 'private');
		const late = conference.newBrief('written-on-b-after-the-hand-over');
		const own = docFromMessages(pia.messages);
		const before = Y.encodeStateVector(own);
		addCondition(own, late, conference.authors.professional, 'other');
		pia.send(syncUpdate(Y.encodeStateAsUpdate(own, before)));

		await waitUntil(async () => pia.closeFrame !== null || (await storedCount(late)) > 0, 'the edit to be decided');
		expect(await storedCount(late)).toBe(0);
		await pia.close();
		expect(pia.closeFrame?.code).toBe(CLOSE.revoked.code);
		// Bram asks B's room for everything it lacks: the edit is not in it.
		const known = docFromMessages(bram.messages);
		bram.send(syncStep1(Y.encodeStateVector(known)));
		await waitUntil(
			() => bram.messages.filter((m) => decodeMessage(m).kind === 'sync-step-2').length === 2,
			'B to answer'
		);
		expect(found(bram.raw, [late])).toEqual([]);
		await bram.close();
	});

	it("a return to private time while B's subscriber is away: B closes the coordinator's plan before anything typed afterwards reaches it", async () => {
		await conference.phase(conference.anna, 'presentation');
		const coco = await raw(onB(conference.coordinator), 'plan');
		coco.send(syncStep1());
		await waitUntil(
			() => found(docBytes(docFromMessages(coco.messages)), [conference.planTexts[0]]).length === 1,
			'the coordinator to read the plan on B'
		);
		const bramOnB = conference.open(onB(conference.bram), 'plan');
		await bramOnB.synced;
		const status: EventStream = await onB(conference.coordinator).events(`/c/${conference.id}/events`);
		const statusSays = (phase: string) =>
			status.events.some((e) => e.event === 'status' && (e.data as { phase: string }).phase === phase);
		await waitUntil(() => statusSays('presentation'), "the coordinator's status line on B");

		proxyB.cutSubscribers();
		await conference.phase(conference.anna, 'private');
		await waitUntil(
			() => heard.some((m) => m.type === 'phase' && m.conferenceId === conference.id && m.phase === 'private'),
			'the news to have gone out over Redis'
		);
		proxyB.heal();
		await everyoneListens();

		const typed = conference.newSecret('typed-back-in-private-time');
		const cursor = conference.newName('cursor');
		addAgreement(conference.annaPlan.doc, typed, { theme: 'housing' });
		conference.annaPlan.provider.awareness.setLocalStateField('focus', cursor);
		await waitUntil(() => bramOnB.has(typed), 'Bram on B to receive what Anna typed on A');
		await waitUntil(() => focusOf(bramOnB, conference.annaPlan) === cursor, "Anna's cursor to reach Bram on B");

		expect(found(coco.raw, [typed, cursor])).toEqual([]);
		await coco.close();
		expect(coco.closeFrame?.code).toBe(CLOSE.revoked.code);
		await waitUntil(() => statusSays('private'), 'the status line on B to say private time');
		status.close();
	});

	it('a device removed while B is not listening is cut off on B once B listens again', async () => {
		const casOnB = await raw(onB(cas), 'plan');
		casOnB.send(syncStep1());
		await waitUntil(() => casOnB.messages.length > 0, 'Cas to have the plan on B');

		proxyB.cutSubscribers();
		expectAction(
			await conference.anna.action(`/c/${conference.id}`, 'remove', {
				participantId: await conference.participantId(cas)
			}),
			'success'
		);
		await waitUntil(
			() => heard.some((m) => m.type === 'participant-removed' && m.conferenceId === conference.id),
			'the removal to have gone out over Redis'
		);
		proxyB.heal();
		await everyoneListens();
		await casOnB.closed;
		expect(casOnB.closeFrame?.code).toBe(CLOSE.removed.code);
	});

	it('acceptance freezes what the database holds: an edit an unaware instance takes afterwards is not kept', async () => {
		await conference.phase(conference.anna, 'presentation');
		const bramOnB = conference.open(onB(conference.bram), 'plan');
		await bramOnB.synced;
		const bram = await raw(onB(conference.bram), 'plan');
		bram.send(syncStep1());
		await waitUntil(() => bram.messages.some((m) => decodeMessage(m).kind === 'sync-step-2'), 'Bram to have the plan');

		proxyA.swallowPublishes(true);
		const seen = await seenPlan(conference.professional, conference.id);
		expectAction(
			await conference.professional.action(`/c/${conference.id}`, 'accept', { conditions: '', seen }),
			'success'
		);
		const late = conference.newSecret('typed-on-b-after-acceptance');
		const own = docFromMessages(bram.messages);
		const before = Y.encodeStateVector(own);
		metaText(own, 'contingency').insert(0, late);
		bram.send(syncUpdate(Y.encodeStateAsUpdate(own, before)));

		const refusal = () => bram.messages.some((m) => decodeMessage(m).kind === 'auth');
		await waitUntil(async () => refusal() || (await storedCount(late)) > 0, 'the edit to be decided');
		expect(await storedCount(late)).toBe(0);
		expect(refusal()).toBe(true);
		expect(bramOnB.has(late)).toBe(false);
		const frozen = await conference.anna.get(`/c/${conference.id}/export`);
		expect(frozen.status).toBe(200);
		expect(found(frozen.text, [conference.planTexts[0]])).toHaveLength(1);
		expect(found(frozen.text, [late])).toEqual([]);
		await bram.close();
	});

	it('leaves no family content in the logs of either instance', () => {
		expect(found(a.logs() + b.logs(), forbidden())).toEqual([]);
	});
});

/** The `focus` a client last published, as another client sees it. */
function focusOf(observer: LiveDoc, of: LiveDoc): string | undefined {
	return (observer.provider.awareness.getStates().get(of.doc.clientID) as { focus?: string } | undefined)?.focus;
}
