import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { addAgreement, agreementTexts } from '../support/edits';
import { startOwnRedis, type OwnRedis } from '../support/redis-server';
import { startKring, type KringServer } from '../support/server';
import { changePhase, conferenceWithFamily, createCoordinator, handOver, type Staff } from '../support/steps';
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
		await waitUntil(async () => {
			const [, count] = (await client.pubsub('NUMSUB', 'kring:bus')) as [string, number];
			return Number(count) === 2;
		}, 'both instances to listen on the bus again');
	} finally {
		client.disconnect();
	}
}

it('after a Redis restart the two copies of the plan converge, and the return to private time made meanwhile reaches the other instance', async () => {
	const { conferenceId, family } = await conferenceWithFamily(first, coordinator.client, ['Broer Omar', 'Zus Layla']);
	const [omar, layla] = family;
	await changePhase(coordinator.client, conferenceId, 'information');
	await handOver(coordinator.client, conferenceId, family);
	await changePhase(omar.client, conferenceId, 'presentation');
	const onFirst = docs.open(omar.client, conferenceId, 'plan');
	const onSecond = docs.open(layla.client.on(second), conferenceId, 'plan');
	const coordinatorBrief = docs.open(coordinator.client.on(second), conferenceId, 'brief');
	await Promise.all([onFirst.synced, onSecond.synced, coordinatorBrief.synced]);

	await redis.stop();
	addAgreement(onFirst.doc, 'Omar belt de school, tijdens de storing', { theme: 'school' });
	// Stored and applied on the first instance (a second phone there has it), its news queued.
	const alsoOnFirst = docs.open(omar.client, conferenceId, 'plan');
	await waitUntil(
		() => agreementTexts(alsoOnFirst.doc).includes('Omar belt de school, tijdens de storing'),
		'the first instance to take the edit',
		{ docs: [alsoOnFirst.doc] }
	);
	// The family goes back to private time: the coordinator may no longer read the brief.
	await changePhase(omar.client, conferenceId, 'private');
	// The Redis client gives up on everything it queued at once: once it has given up after the
	// phase change was queued, the edit and the phase change are lost for the second instance.
	const failedBefore = publishFailures(first);
	await waitUntil(() => publishFailures(first) > failedBefore, 'the first instance to give up publishing');
	await redis.start();
	await bothListen();

	// Typed after the restart, by the same phone: it builds on the edit the second instance missed.
	addAgreement(onFirst.doc, 'Omar brengt de kinderen, na de storing', { theme: 'school' });
	const [converged, closed] = await Promise.allSettled([
		waitForConvergence([onFirst.doc, onSecond.doc], 'the two instances never converged'),
		waitForClose(coordinatorBrief.closed, "the coordinator's brief on the second instance closes")
	]);
	expect.soft(converged.status, 'the two copies of the plan converge').toBe('fulfilled');
	// Both, beside the agreement the family wrote to be ready before it presented.
	expect
		.soft(agreementTexts(onSecond.doc))
		.toEqual(
			expect.arrayContaining(['Omar belt de school, tijdens de storing', 'Omar brengt de kinderen, na de storing'])
		);
	expect.soft(agreementTexts(onSecond.doc).sort()).toEqual(agreementTexts(onFirst.doc).sort());
	expect(closed.status === 'fulfilled' && closed.value.code, 'the phase change reached the second instance').toBe(
		CLOSE.revoked.code
	);
});

function publishFailures(server: KringServer): number {
	return (server.logs().match(/\[bus\] publish failed/g) ?? []).length;
}
