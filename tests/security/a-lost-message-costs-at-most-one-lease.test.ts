import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { found } from '../support/found';
import { expectAction, type Browser } from '../support/http-client';
import { openRawSocket, type RawSocket } from '../support/raw-socket';
import { startRedisProxy, type RedisProxy } from '../support/redis-proxy';
import { startKring, TEST_REDIS_URL, type KringServer } from '../support/server';
import { createCoordinator, joinByLink } from '../support/steps';
import { docBytes, docFromMessages, syncStep1 } from '../support/y-messages';
import { liveDocs, waitUntil } from '../support/yjs-client';
import { assertFamilyStillSyncs, seedConference, type Seeded } from './seeded-conference';

/**
 * A message lost without any sign: instance A's publishes are swallowed on their way to Redis
 * (tests/support/redis-proxy.ts answers them itself), so A sees no error and no reconnect, and B
 * hears nothing. Only the lease is left: B reads every open socket's right again from the
 * database every KRING_LEASE_MS (half a second here), so the lost message costs at most that long.
 */
describe('a message lost without any sign', () => {
	const env = { KRING_REDIS_PREFIX: `kring-test-${randomBytes(4).toString('hex')}:`, KRING_LEASE_MS: '500' };
	const docs = liveDocs();
	let proxyA: RedisProxy;
	let a: KringServer;
	let b: KringServer;
	let conference: Seeded;
	let cas: Browser;
	const opened: RawSocket[] = [];
	const raw = async (browser: Browser) => {
		const socket = await openRawSocket(browser, conference.id, 'plan');
		opened.push(socket);
		return socket;
	};

	beforeAll(async () => {
		proxyA = await startRedisProxy(TEST_REDIS_URL);
		a = await startKring({ database: 'postgres', redisUrl: proxyA.url, env });
		conference = await seedConference({ server: a, coordinator: await createCoordinator(a), docs });
		cas = (await joinByLink(a, conference.familyLink, 'Cas')).client;
		b = await startKring({ sameDatabaseAs: a, redisUrl: TEST_REDIS_URL, env });
	});
	afterEach(async () => {
		proxyA.swallowPublishes(false);
		await assertFamilyStillSyncs(conference);
	});
	afterAll(async () => {
		for (const socket of opened) await socket.close().catch(() => {});
		docs.closeAll();
		await b?.stop();
		await a?.stop();
		await proxyA?.close();
	});

	it("closes the coordinator's plan on the other instance at its next lease, though nothing told it", async () => {
		await conference.phase(conference.coordinator, 'private');
		await conference.phase(conference.anna, 'presentation');
		const coco = await raw(conference.coordinator.on(b));
		coco.send(syncStep1());
		await waitUntil(
			() => found(docBytes(docFromMessages(coco.messages)), [conference.planTexts[0]]).length === 1,
			'the coordinator to read the plan on B'
		);

		proxyA.swallowPublishes(true);
		await conference.phase(conference.anna, 'private');
		await coco.closed;
		expect(coco.closeFrame?.code).toBe(CLOSE.revoked.code);
		expect(coco.framesAfterClose).toEqual([]);
	});

	it('cuts a removed device off on the other instance at its next lease', async () => {
		const casOnB = await raw(cas.on(b));
		casOnB.send(syncStep1());
		await waitUntil(() => casOnB.messages.length > 0, 'Cas to have the plan on B');

		proxyA.swallowPublishes(true);
		expectAction(
			await conference.anna.action(`/c/${conference.id}`, 'remove', {
				participantId: await conference.participantId(cas)
			}),
			'success'
		);
		await casOnB.closed;
		expect(casOnB.closeFrame?.code).toBe(CLOSE.removed.code);
	});

	it('leaves no family content in the logs of either instance', () => {
		expect(found(a.logs() + b.logs(), [conference.secret, conference.brief])).toEqual([]);
	});
});
