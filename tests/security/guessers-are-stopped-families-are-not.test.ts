import { randomBytes, randomInt } from 'node:crypto';
import { expect, it } from 'vitest';
import { Browser, type ActionResult, type Reply } from '../support/http-client';
import { kringForThisFile } from '../support/server';
import { createConference, inviteFamily, inviteProfessional, registerProfessional, roomCodeOf } from '../support/steps';

/**
 * Kring behind a TLS proxy that names the client's address in X-Forwarded-For. A whole family
 * in one room shares the venue's router, so one address; a guesser may sit behind it too, or use
 * many addresses against one account. Only failures count against an address or an account.
 */
const kring = kringForThisFile({ env: { ADDRESS_HEADER: 'x-forwarded-for', XFF_DEPTH: '1' } });

/** A phone or laptop whose requests reach Kring through the proxy from `address`. */
class Device extends Browser {
	constructor(readonly address: string) {
		super(kring.server, address);
	}

	override request(path: string, init: Parameters<Browser['request']>[1] = {}): Promise<Reply> {
		// The proxy appends the address it saw to whatever the client sent.
		const headers = { 'accept-language': 'nl', ...init.headers, 'x-forwarded-for': `6.6.6.6, ${this.address}` };
		return super.request(path, { ...init, headers });
	}

	/** A form action posted as `use:enhance` does; its answer. */
	async post(path: string, fields: Record<string, string>): Promise<ActionResult | undefined> {
		return (await this.action(path, 'default', fields)).action;
	}
}

const someAddress = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
function wrongCode(right: string): string {
	for (;;) {
		const code = Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
		if (code !== right.replace('-', '')) return `${code.slice(0, 4)}-${code.slice(4)}`;
	}
}

/** Opens the join page for a code as a phone does, then joins; returns the join's answer. */
async function joinByCode(device: Device, code: string, name: string): Promise<ActionResult | undefined> {
	const page = await device.get(`/join/${code}`);
	if (page.status !== 200) return { type: 'error', status: page.status, error: page.text };
	return device.post(`/join/${code}`, { displayName: name, presence: 'room' });
}

function expectJoined(result: ActionResult | undefined, who: string): void {
	expect(
		result?.type === 'redirect' && /^\/c\/[a-z0-9]+$/.test(result.location ?? ''),
		`${who}: ${JSON.stringify(result)}`
	).toBe(true);
}

it('forty phones behind one router all join with the room code, while wrong codes from that router are stopped', async () => {
	const conferenceId = await createConference(kring.coordinator.client);
	const code = await roomCodeOf(kring.coordinator.client, conferenceId);
	const router = someAddress();
	const guesser = new Device(router);
	const guess = async () => (await guesser.get(`/join/${wrongCode(code)}`)).status;

	for (let i = 1; i <= 20; i++)
		expectJoined(await joinByCode(new Device(router), code, `Familielid ${i}`), `phone ${i}`);
	for (let i = 1; i <= 12; i++) expect(await guess(), `wrong code ${i}`).toBe(404);
	for (let i = 21; i <= 40; i++)
		expectJoined(await joinByCode(new Device(router), code, `Familielid ${i}`), `phone ${i}`);
	for (let i = 13; i <= 20; i++) expect(await guess(), `wrong code ${i}`).toBe(404);

	// Twenty wrong codes: the address is stopped, and cannot tell a right code from a wrong one.
	expect(await guess()).toBe(429);
	const refused = await new Device(router).get(`/join/${code}`);
	expect(refused.status).toBe(429);
	expect(refused.text).toContain('Vanaf dit netwerk is te vaak iets verkeerds ingevuld. Wacht 10 minuten');
	expect((await new Device(router).post(`/join/${code}`, { displayName: 'Laat', presence: 'room' }))?.status).toBe(429);

	// Someone elsewhere still joins with the code; the router's family can still use their link.
	expectJoined(await joinByCode(new Device(someAddress()), code, 'Tante op afstand'), 'another address');
	const link = new URL(await inviteFamily(kring.coordinator.client, conferenceId), kring.server.url).pathname;
	expectJoined(
		await new Device(router).post(link, { displayName: 'Neef met link', presence: 'room' }),
		'family link from the router'
	);
});

it('links Kring does not know are refused after twenty from one address, real ones from elsewhere still work', async () => {
	const conferenceId = await createConference(kring.coordinator.client);
	const familyLink = new URL(await inviteFamily(kring.coordinator.client, conferenceId), kring.server.url).pathname;
	const professionalLink = new URL(
		await inviteProfessional(kring.coordinator.client, conferenceId, { name: 'Jeugdzorg Jet', email: 'jet@zorg.test' }),
		kring.server.url
	).pathname;
	const guesser = new Device(someAddress());
	const token = () => randomBytes(20).toString('hex');

	for (let i = 1; i <= 20; i++) expect((await guesser.get(`/j/${token()}`)).status, `wrong family link ${i}`).toBe(404);
	expect((await guesser.get(`/j/${token()}`)).status).toBe(429);
	expect((await guesser.get(familyLink)).status, 'the real link from the guessing address').toBe(429);
	expectJoined(
		await new Device(someAddress()).post(familyLink, { displayName: 'Opa', presence: 'room' }),
		'family link from elsewhere'
	);

	for (let i = 1; i <= 20; i++)
		expect((await guesser.get(`/invite/${token()}`)).status, `wrong professional link ${i}`).toBe(404);
	expect((await guesser.get(`/invite/${token()}`)).status).toBe(429);
	expect((await guesser.get(professionalLink)).status).toBe(429);
	expect((await new Device(someAddress()).get(professionalLink)).status).toBe(200);
});

it('five wrong passwords lock that account, even from five addresses; its owner is told so and others are not', async () => {
	const conferenceId = await createConference(kring.coordinator.client);
	const rikEmail = `rik-${randomBytes(3).toString('hex')}@reclassering.test`;
	const link = await inviteProfessional(kring.coordinator.client, conferenceId, { name: 'Rik', email: rikEmail });
	await registerProfessional(kring.server, link, { name: 'Rik', password: 'rik zijn wachtwoord' });
	const { email, password } = kring.coordinator;

	for (let i = 1; i <= 5; i++) {
		const attempt = await new Device(someAddress()).post('/login', { email, password: `gok ${i}` });
		expect(attempt, `wrong password ${i}`).toMatchObject({
			type: 'failure',
			status: 400,
			data: { error: 'login_failed' }
		});
	}
	// The sixth try, from yet another address and with the right password, is refused too:
	// otherwise the guesser would learn the password by being let in.
	const locked = await new Device(someAddress()).post('/login', { email: email.toUpperCase(), password });
	expect(locked).toMatchObject({ type: 'failure', status: 429, data: { error: 'account_locked' } });
	const page = await new Device(someAddress()).form('/login', { email, password });
	expect(page.status).toBe(429);
	expect(page.headers.get('set-cookie')).toBeNull();
	expect(page.text).toContain('Te vaak een verkeerd wachtwoord voor dit account. Wacht 15 minuten');

	// Another account, from one of those addresses, signs in as usual.
	const other = await new Device(someAddress()).post('/login', {
		email: rikEmail,
		password: 'rik zijn wachtwoord'
	});
	expect(other).toMatchObject({ type: 'redirect', location: '/staff' });
});

it('someone who mistypes a few times and then gets it right starts again from zero', async () => {
	const conferenceId = await createConference(kring.coordinator.client);
	const email = `ria-${randomBytes(3).toString('hex')}@reclassering.test`;
	const link = await inviteProfessional(kring.coordinator.client, conferenceId, { name: 'Ria', email });
	await registerProfessional(kring.server, link, { name: 'Ria', password: 'ria haar wachtwoord' });
	const laptop = new Device(someAddress());
	for (let round = 1; round <= 3; round++) {
		for (let i = 1; i <= 4; i++)
			expect(await laptop.post('/login', { email, password: 'ria haar wachtwoort' })).toMatchObject({
				type: 'failure',
				data: { error: 'login_failed' }
			});
		expect(await laptop.post('/login', { email, password: 'ria haar wachtwoord' }), `round ${round}`).toMatchObject({
			type: 'redirect'
		});
	}
});

it('twenty failed sign-ins from one address stop that address, not the account elsewhere', async () => {
	const conferenceId = await createConference(kring.coordinator.client);
	const email = `otto-${randomBytes(3).toString('hex')}@zorg.test`;
	const link = await inviteProfessional(kring.coordinator.client, conferenceId, { name: 'Otto', email });
	await registerProfessional(kring.server, link, { name: 'Otto', password: 'otto zijn wachtwoord' });
	const guesser = new Device(someAddress());
	// A guesser spreads guesses over many accounts (four each), so no account locks.
	for (let i = 1; i <= 20; i++) {
		const attempt = await guesser.post('/login', { email: `n${i % 5}@guess.test`, password: `gok ${i}` });
		expect(attempt, `wrong sign-in ${i}`).toMatchObject({ type: 'failure', status: 400 });
	}
	expect(await guesser.post('/login', { email, password: 'otto zijn wachtwoord' })).toMatchObject({
		type: 'failure',
		status: 429,
		data: { error: 'too_many_attempts' }
	});
	expect(await new Device(someAddress()).post('/login', { email, password: 'otto zijn wachtwoord' })).toMatchObject({
		type: 'redirect',
		location: '/staff'
	});
});
