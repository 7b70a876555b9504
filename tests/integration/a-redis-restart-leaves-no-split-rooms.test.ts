import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { changePhase, conferenceWithFamily, createCoordinator, type Staff } from '../support/client';
import { startKring, type KringServer } from '../support/kring-server';
import { addAgreement, agreementTexts } from '../support/plan';
import { startOwnRedis, type OwnRedis } from '../support/redis-server';
import { liveDocs, waitForClose, waitForConvergence, waitUntil } from '../support/yjs-client';

// Two instances on one PostgreSQL database and a Redis of this file's own (tests/support/redis-server.ts),
// which the test stops and starts again; the Redis on 6379 that other tests use is left alone. The
// lease is a minute long: what repairs the instances is reading the database again once Redis is back.
let redis: OwnRedis;
let first: KringServer;
let second: KringServer;
let coordinator: Staff;
const docs = liveDocs();
const env = { KRING_LEASE_MS: '60000' };

beforeAll(async () => {
	redis = await startOwnRedis();
	first = await startKring({ redisUrl: redis.url, database: 'postgres', env });
	coordinator = await createCoordinator(first);
	second = await startKring({ redisUrl: redis.url, sameDatabaseAs: first, env });
});
afterAll(async () => {
	docs.closeAll();
	await second?.stop();
	await first?.stop();
	await redis?.stop();
});

/** Both instances listen on the bus again. */
async function bothListen(): Promise<void> {
	const client = new Redis(redis.url, { lazyConnect: true });
	try {
		await client.connect();
		for (;;) {
			const [, count] = (await client.pubsub('NUMSUB', 'kring:bus')) as [string, number];
			if (Number(count) === 2) return;
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	} finally {
		client.disconnect();
	}
}

it('after a Redis restart the two copies of the plan converge, and the hand-over made meanwhile reaches the other instance', async () => {
	const { conferenceId, family } = await conferenceWithFamily(first, coordinator.client, ['Broer Omar', 'Zus Layla']);
	const [omar, layla] = family;
	await changePhase(coordinator.client, conferenceId, 'information');
	const onFirst = docs.open(first, omar.client, conferenceId, 'plan');
	const onSecond = docs.open(second, layla.client.on(second), conferenceId, 'plan');
	const coordinatorBrief = docs.open(second, coordinator.client.on(second), conferenceId, 'brief');
	await Promise.all([onFirst.synced, onSecond.synced, coordinatorBrief.synced]);

	await redis.stop();
	addAgreement(onFirst.doc, 'Omar belt de school, tijdens de storing', { theme: 'school' });
	// Stored and applied on the first instance (a second phone there has it), its news queued.
	const alsoOnFirst = docs.open(first, omar.client, conferenceId, 'plan');
	await waitUntil(
		() => agreementTexts(alsoOnFirst.doc).includes('Omar belt de school, tijdens de storing'),
		'the first instance to take the edit',
		{ docs: [alsoOnFirst.doc] }
	);
	await changePhase(coordinator.client, conferenceId, 'private');
	// The Redis client gives up on everything it queued at once: once it has given up after the
	// hand-over was queued, the edit and the hand-over are lost for the second instance.
	const failedBefore = publishFailures(first);
	await waitUntil(() => publishFailures(first) > failedBefore, 'the first instance to give up publishing', {
		timeoutMs: 20_000
	});
	await redis.start();
	await bothListen();

	// Typed after the restart, by the same phone: it builds on the edit the second instance missed.
	addAgreement(onFirst.doc, 'Omar brengt de kinderen, na de storing', { theme: 'school' });
	const [converged, closed] = await Promise.allSettled([
		waitForConvergence([onFirst.doc, onSecond.doc], 'the two instances never converged', 20_000),
		waitForClose(coordinatorBrief.closed, "the coordinator's brief on the second instance closes", 20_000)
	]);
	expect.soft(converged.status, 'the two copies of the plan converge').toBe('fulfilled');
	expect
		.soft(agreementTexts(onSecond.doc).sort())
		.toEqual(['Omar belt de school, tijdens de storing', 'Omar brengt de kinderen, na de storing']);
	expect(closed.status === 'fulfilled' && closed.value.code, 'the hand-over reached the second instance').toBe(
		CLOSE.revoked.code
	);
});

function publishFailures(server: KringServer): number {
	return (server.logs().match(/\[bus\] publish failed/g) ?? []).length;
}
