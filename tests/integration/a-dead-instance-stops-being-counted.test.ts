import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startKring, TEST_REDIS_URL, type KringServer } from '../support/server';
import { boardData, conferenceWithFamily, createCoordinator, type Staff } from '../support/steps';
import { waitUntil } from '../support/yjs-client';

// Two instances over PostgreSQL and Redis. Each repeats who has a board open on it every lease
// period (300 ms here); what an instance stops repeating — because it died — stops being counted.
let first: KringServer;
let second: KringServer;
let coordinator: Staff;
const env = { KRING_REDIS_PREFIX: `kring-test-${randomBytes(4).toString('hex')}:`, KRING_LEASE_MS: '300' };

beforeAll(async () => {
	first = await startKring({ redisUrl: TEST_REDIS_URL, database: 'postgres', env });
	coordinator = await createCoordinator(first);
	second = await startKring({ redisUrl: TEST_REDIS_URL, sameDatabaseAs: first, env });
});
afterAll(async () => {
	await second?.stop();
	await first?.stop();
});

it('a family member whose board was open on an instance that died is no longer counted on the other', async () => {
	const { conferenceId, family } = await conferenceWithFamily(first, coordinator.client, ['Nicht Noor']);
	const [noor] = family;
	// Noor's board is open on the first instance: its status line is a stream that stays open.
	const stream = await noor.client.events(`/c/${conferenceId}/events`);
	expect(stream.status).toBe(200);
	const noorCountedOnSecond = async () => {
		const { board } = await boardData(coordinator.client.on(second), conferenceId);
		return board?.participants.find((participant) => participant.id === noor.participantId)?.connected === true;
	};
	await waitUntil(noorCountedOnSecond, 'the second instance to count Noor');

	await first.kill();
	stream.close();
	await waitUntil(async () => !(await noorCountedOnSecond()), 'the second instance to stop counting Noor');
});
