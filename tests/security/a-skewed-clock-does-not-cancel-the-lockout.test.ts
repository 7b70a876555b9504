import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { skewedClock } from '../support/skewed-clock-env';
import {
	assertFamilyStillSyncs,
	databaseOf,
	docBytes,
	docFromMessages,
	found,
	rawDocSocket,
	REDIS_URL,
	sameBrowserOn,
	seedConference,
	startKring,
	syncStep1,
	until,
	writeAgreement,
	type EventStream,
	type KringServer,
	type RawSocket,
	type Seeded
} from './support';

/**
 * Two instances over PostgreSQL and Redis, the second with its clock 15 seconds behind the
 * machine's. The skew is simulated in that process only: the harness starts it with a preload
 * (tests/support/skewed-clock.mjs, `--import`) that moves its `Date` back by 15 s; Kring has no
 * such switch. Phase news must be ordered by the database, not by the clock of whoever made the
 * change. The lease is a minute long here, so it cannot be what closes the socket.
 */
describe('an instance whose clock is 15 seconds behind', () => {
	const prefix = `kring-test-${randomBytes(4).toString('hex')}:`;
	let a: KringServer;
	let b: KringServer;
	let database: ReturnType<typeof databaseOf>;
	let conference: Seeded;
	const opened: RawSocket[] = [];

	beforeAll(async () => {
		const env = { KRING_REDIS_PREFIX: prefix, KRING_LEASE_MS: '60000' };
		a = await startKring({ database: 'postgres', redisUrl: REDIS_URL, env });
		database = databaseOf(a);
		conference = await seedConference(a);
		b = await startKring({ sameDatabaseAs: a, redisUrl: REDIS_URL, env: { ...env, ...skewedClock(-15_000) } });
	});
	afterEach(async () => assertFamilyStillSyncs(conference));
	afterAll(async () => {
		for (const socket of opened) await socket.close().catch(() => {});
		conference?.close();
		await database?.end({ timeout: 1 });
		await b?.stop();
		await a?.stop();
	});

	it("a return to private time made on it still closes the coordinator's plan on the other instance", async () => {
		await conference.phase(conference.coordinator, 'private');
		// Presentation starts on A, whose clock is right; within 15 s the family goes back on B.
		await conference.phase(conference.anna, 'presentation');
		const coco = await rawDocSocket(conference.coordinator, conference.id, 'plan');
		opened.push(coco);
		coco.send(syncStep1());
		await until(
			() => found(docBytes(docFromMessages(coco.messages)), [conference.planTexts[0]]).length === 1,
			'the coordinator to read the plan on A'
		);
		const status: EventStream = await conference.anna.events(`/c/${conference.id}/events`);
		const statusSays = (phase: string) =>
			status.events.some((e) => e.event === 'status' && (e.data as { phase: string }).phase === phase);
		await until(() => statusSays('presentation'), "Anna's status line on A");

		const stamped = async () =>
			(await database`select phase_changed_at as at from conferences where id = ${conference.id}`)[0].at as Date;
		const presentationAt = await stamped();
		await conference.phase(sameBrowserOn(conference.anna, b), 'private');
		// B's clock stamps the later change as the earlier one.
		expect((await stamped()).getTime()).toBeLessThan(presentationAt.getTime());
		// A has heard the news: its status line read the phase again because of it.
		await until(() => statusSays('private'), "Anna's status line on A to say private time");
		status.close();

		const typed = conference.newSecret('typed-back-in-private-time');
		writeAgreement(conference.annaPlan, typed);
		await until(() => conference.bramPlan.has(typed), 'Bram on A to receive what Anna typed');
		expect(found(coco.raw, [typed])).toEqual([]);
		await coco.close();
		expect(coco.closeFrame?.code).toBe(CLOSE.revoked.code);
	});

	it('leaves no family content in the logs of either instance', () => {
		expect(found(a.logs() + b.logs(), [conference.secret, conference.brief])).toEqual([]);
	});
});
