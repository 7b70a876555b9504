import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { boardData, conferenceWithFamily, createCoordinator, type Staff } from '../support/client';
import { startKring, type KringServer } from '../support/kring-server';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

// Two instances over PostgreSQL and Redis. Each repeats who has a board open on it every lease
// period (300 ms here); what an instance stops repeating — because it died — stops being counted.
let first: KringServer;
let second: KringServer;
let coordinator: Staff;
const env = { KRING_REDIS_PREFIX: `kring-test-${randomBytes(4).toString('hex')}:`, KRING_LEASE_MS: '300' };

beforeAll(async () => {
	first = await startKring({ redisUrl: REDIS_URL, database: 'postgres', env });
	coordinator = await createCoordinator(first);
	second = await startKring({ redisUrl: REDIS_URL, sameDatabaseAs: first, env });
});
afterAll(async () => {
	await second?.stop();
	await first?.stop();
});

/** Polls until `probe` says yes; the limit only turns a hang into a readable failure. */
async function eventually(probe: () => Promise<boolean>, what: string): Promise<void> {
	const giveUp = Date.now() + 20_000;
	while (!(await probe())) {
		if (Date.now() > giveUp) throw new Error(`gave up waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

it('a family member whose board was open on an instance that died is no longer counted on the other', async () => {
	const { conferenceId, family } = await conferenceWithFamily(first, coordinator.client, ['Nicht Noor']);
	const [noor] = family;
	const stop = new AbortController();
	// Noor's board is open on the first instance: its status line is a stream that stays open.
	const stream = await noor.client.fetch(`/c/${conferenceId}/events`, { signal: stop.signal });
	expect(stream.status).toBe(200);
	const noorCountedOnSecond = async () => {
		const { board } = await boardData(coordinator.client.on(second), conferenceId);
		return board?.participants.find((participant) => participant.id === noor.participantId)?.connected === true;
	};
	await eventually(noorCountedOnSecond, 'the second instance to count Noor');

	await first.kill();
	stop.abort();
	await eventually(async () => !(await noorCountedOnSecond()), 'the second instance to stop counting Noor');
});
