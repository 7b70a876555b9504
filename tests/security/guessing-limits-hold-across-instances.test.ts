import { randomBytes, randomInt } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Browser } from '../support/http-client';
import { kringForThisFile, startKring, TEST_REDIS_URL, type KringServer } from '../support/server';
import { createConference, roomCodeOf, type Staff } from '../support/steps';

/**
 * Two instances behind one load balancer (PostgreSQL and Redis shared): a guesser whose requests
 * are spread over both gets no more tries than against one.
 */
const env = { ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '1' };
// The coordinator's account is made on the first before the second starts: on an empty database
// each new instance replaces the setup link.
const kring = kringForThisFile({ redisUrl: TEST_REDIS_URL, database: 'postgres', env });
let first: KringServer;
let second: KringServer;
let coordinator: Staff;

beforeAll(async () => {
	({ server: first, coordinator } = kring);
	second = await startKring({ redisUrl: TEST_REDIS_URL, sameDatabaseAs: first, env });
});
afterAll(async () => {
	await second?.stop();
});

/** Redis outlives the test: every run guesses from addresses of its own. */
const someAddress = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

/** A browser whose requests reach `server` through the proxy from `address`. */
class From extends Browser {
	constructor(
		server: KringServer,
		readonly address: string
	) {
		super(server, address);
	}

	override request(path: string, init: Parameters<Browser['request']>[1] = {}) {
		return super.request(path, { ...init, headers: { ...init.headers, 'x-forwarded-for': this.address } });
	}
}

const from = (server: KringServer, address: string) => new From(server, address);
const login = async (browser: Browser, fields: Record<string, string>) =>
	(await browser.action('/login', 'default', fields)).action;

it('wrong passwords on both instances add up to one lock of the account', async () => {
	const { email, password } = coordinator;
	const instances = [first, second, first, second, second];
	for (const [i, server] of instances.entries()) {
		const attempt = await login(from(server, someAddress()), { email, password: `gok ${i}` });
		expect(attempt, `wrong password ${i + 1}`).toMatchObject({ type: 'failure', data: { error: 'login_failed' } });
	}
	for (const server of [first, second])
		expect(await login(from(server, someAddress()), { email, password })).toMatchObject({
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
