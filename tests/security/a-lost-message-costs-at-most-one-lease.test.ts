import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { startRedisProxy, type RedisProxy } from '../support/redis-proxy';
import {
	assertFamilyStillSyncs,
	Browser,
	databaseOf,
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
	until,
	type KringServer,
	type RawSocket,
	type Seeded
} from './support';

/**
 * A message lost without any sign: instance A's publishes are swallowed on their way to Redis
 * (tests/support/redis-proxy.ts answers them itself), so A sees no error and no reconnect, and B
 * hears nothing. Only the lease is left: B reads every open socket's right again from the
 * database every KRING_LEASE_MS (half a second here), so the lost message costs at most that long.
 */
describe('a message lost without any sign', () => {
	const env = { KRING_REDIS_PREFIX: `kring-test-${randomBytes(4).toString('hex')}:`, KRING_LEASE_MS: '500' };
	let proxyA: RedisProxy;
	let a: KringServer;
	let b: KringServer;
	let database: ReturnType<typeof databaseOf>;
	let conference: Seeded;
	let cas: Browser;
	const opened: RawSocket[] = [];

	beforeAll(async () => {
		proxyA = await startRedisProxy(REDIS_URL);
		a = await startKring({ database: 'postgres', redisUrl: proxyA.url, env });
		database = databaseOf(a);
		conference = await seedConference(a);
		cas = new Browser(a, 'Cas (family)');
		expectAction(
			await cas.action(`/j/${conference.familyInviteToken}`, 'default', { displayName: 'Cas', presence: 'room' }),
			'redirect'
		);
		b = await startKring({ sameDatabaseAs: a, redisUrl: REDIS_URL, env });
	});
	afterEach(async () => {
		proxyA.swallowPublishes(false);
		await assertFamilyStillSyncs(conference);
	});
	afterAll(async () => {
		for (const socket of opened) await socket.close().catch(() => {});
		conference?.close();
		await database?.end({ timeout: 1 });
		await b?.stop();
		await a?.stop();
		await proxyA?.close();
	});

	it("closes the coordinator's plan on the other instance at its next lease, though nothing told it", async () => {
		await conference.phase(conference.coordinator, 'private');
		await conference.phase(conference.anna, 'presentation');
		const coco = await rawDocSocket(sameBrowserOn(conference.coordinator, b), conference.id, 'plan');
		opened.push(coco);
		coco.send(syncStep1());
		await until(
			() => found(docBytes(docFromMessages(coco.messages)), [conference.planTexts[0]]).length === 1,
			'the coordinator to read the plan on B'
		);

		proxyA.swallowPublishes(true);
		await conference.phase(conference.anna, 'private');
		await until(() => coco.closeFrame !== null, "the coordinator's socket on B to close");
		expect(coco.closeFrame?.code).toBe(CLOSE.revoked.code);
		expect(coco.framesAfterClose).toEqual([]);
	});

	it('cuts a removed device off on the other instance at its next lease', async () => {
		const casOnB = await rawDocSocket(sameBrowserOn(cas, b), conference.id, 'plan');
		opened.push(casOnB);
		casOnB.send(syncStep1());
		await until(() => casOnB.messages.length > 0, 'Cas to have the plan on B');

		proxyA.swallowPublishes(true);
		expectAction(
			await conference.anna.action(`/c/${conference.id}`, 'remove', {
				participantId: await conference.participantId(cas)
			}),
			'success'
		);
		await until(() => casOnB.closeFrame !== null, "Cas's socket on B to close");
		expect(casOnB.closeFrame?.code).toBe(CLOSE.removed.code);
	});

	it('leaves no family content in the logs of either instance', () => {
		expect(found(a.logs() + b.logs(), [conference.secret, conference.brief])).toEqual([]);
	});
});
