import { randomBytes, randomInt } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createConference, createCoordinator, KringClient, roomCodeOf, type Staff } from '../support/client';
import { startKring, type KringServer } from '../support/kring-server';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Two instances behind one load balancer (PostgreSQL and Redis shared): a guesser whose requests
 * are spread over both gets no more tries than against one.
 */
let first: KringServer;
let second: KringServer;
let coordinator: Staff;
const env = { ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '1' };

beforeAll(async () => {
	first = await startKring({ redisUrl: REDIS_URL, database: 'postgres', env });
	coordinator = await createCoordinator(first);
	second = await startKring({ redisUrl: REDIS_URL, sameDatabaseAs: first, env });
});
afterAll(async () => {
	await second?.stop();
	await first?.stop();
});

/** Redis outlives the test: every run guesses from addresses of its own. */
const someAddress = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

function from(server: KringServer, address: string): KringClient {
	const client = new KringClient(server);
	const fetch = client.fetch.bind(client);
	client.fetch = (path, init = {}) => {
		const headers = new Headers(init.headers);
		headers.set('x-forwarded-for', address);
		return fetch(path, { ...init, headers });
	};
	return client;
}

it('wrong passwords on both instances add up to one lock of the account', async () => {
	const { email, password } = coordinator;
	const instances = [first, second, first, second, second];
	for (const [i, server] of instances.entries()) {
		const attempt = await from(server, someAddress()).postAction('/login', null, { email, password: `gok ${i}` });
		expect(attempt, `wrong password ${i + 1}`).toMatchObject({ type: 'failure', data: { error: 'login_failed' } });
	}
	for (const server of [first, second])
		expect(await from(server, someAddress()).postAction('/login', null, { email, password })).toMatchObject({
			type: 'failure',
			status: 429,
			data: { error: 'account_locked' }
		});
});

it('wrong room codes on both instances add up for the address; the right code still works elsewhere', async () => {
	const conferenceId = await createConference(coordinator.client);
	const code = (await roomCodeOf(coordinator.client, conferenceId)).replace('-', '');
	const address = someAddress();
	const wrong = () => {
		const guess = randomBytes(4).toString('hex').toUpperCase().replace(/[01]/g, 'Z');
		return guess === code ? 'ZZZZZZZZ' : guess;
	};
	for (let i = 1; i <= 20; i++) {
		const server = i % 2 ? first : second;
		expect((await from(server, address).get(`/join/${wrong()}`)).status, `wrong code ${i}`).toBe(404);
	}
	for (const server of [first, second]) {
		expect((await from(server, address).get(`/join/${wrong()}`)).status).toBe(429);
		expect((await from(server, address).get(`/join/${code}`)).status).toBe(429);
		expect((await from(server, someAddress()).get(`/join/${code}`)).status).toBe(200);
	}
});
