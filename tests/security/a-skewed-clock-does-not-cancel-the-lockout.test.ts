import { randomBytes } from 'node:crypto';
import type postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { addAgreement } from '../support/edits';
import { found } from '../support/found';
import type { EventStream } from '../support/http-client';
import { openRawSocket, type RawSocket } from '../support/raw-socket';
import { databaseOf, startKring, TEST_REDIS_URL, type KringServer } from '../support/server';
import { skewedClock } from '../support/skewed-clock-env';
import { createCoordinator } from '../support/steps';
import { docBytes, docFromMessages, syncStep1 } from '../support/y-messages';
import { liveDocs, waitUntil } from '../support/yjs-client';
import { assertFamilyStillSyncs, seedConference, type Seeded } from './seeded-conference';

/**
 * Two instances over PostgreSQL and Redis, the second with its clock 15 seconds behind the
 * machine's. The skew is simulated in that process only: the harness starts it with a preload
 * (tests/support/skewed-clock.mjs, `--import`) that moves its `Date` back by 15 s; Kring has no
 * such switch. Phase news must be ordered by the database, not by the clock of whoever made the
 * change. The lease is a minute long here, so it cannot be what closes the socket.
 */
describe('an instance whose clock is 15 seconds behind', () => {
	const prefix = `kring-test-${randomBytes(4).toString('hex')}:`;
	const docs = liveDocs();
	let a: KringServer;
	let b: KringServer;
	let database: postgres.Sql;
	let conference: Seeded;
	const opened: RawSocket[] = [];

	beforeAll(async () => {
		const env = { KRING_REDIS_PREFIX: prefix, KRING_LEASE_MS: '60000' };
		a = await startKring({ database: 'postgres', redisUrl: TEST_REDIS_URL, env });
		database = await databaseOf(a);
		conference = await seedConference({ server: a, coordinator: await createCoordinator(a), docs });
		b = await startKring({ sameDatabaseAs: a, redisUrl: TEST_REDIS_URL, env: { ...env, ...skewedClock(-15_000) } });
	});
	afterEach(async () => assertFamilyStillSyncs(conference));
	afterAll(async () => {
		for (const socket of opened) await socket.close().catch(() => {});
		docs.closeAll();
		await database?.end({ timeout: 1 });
		await b?.stop();
		await a?.stop();
	});

	it("a return to private time made on it still closes the coordinator's plan on the other instance", async () => {
		await conference.phase(conference.coordinator, 'private');
		// Presentation starts on A, whose clock is right; within 15 s the family goes back on B.
		await conference.phase(conference.anna, 'presentation');
		const coco = await openRawSocket(conference.coordinator, conference.id, 'plan');
		opened.push(coco);
		coco.send(syncStep1());
		await waitUntil(
			() => found(docBytes(docFromMessages(coco.messages)), [conference.planTexts[0]]).length === 1,
			'the coordinator to read the plan on A'
		);
		const status: EventStream = await conference.anna.events(`/c/${conference.id}/events`);
		const statusSays = (phase: string) =>
			status.events.some((e) => e.event === 'status' && (e.data as { phase: string }).phase === phase);
		await waitUntil(() => statusSays('presentation'), "Anna's status line on A");

		const stamped = async () =>
			(await database`select phase_changed_at as at from conferences where id = ${conference.id}`)[0].at as Date;
		const presentationAt = await stamped();
		await conference.phase(conference.anna.on(b), 'private');
		// B's clock stamps the later change as the earlier one.
		expect((await stamped()).getTime()).toBeLessThan(presentationAt.getTime());
		// A has heard the news: its status line read the phase again because of it.
		await waitUntil(() => statusSays('private'), "Anna's status line on A to say private time");
		status.close();

		const typed = conference.newSecret('typed-back-in-private-time');
		addAgreement(conference.annaPlan.doc, typed, { theme: 'housing' });
		await waitUntil(() => conference.bramPlan.has(typed), 'Bram on A to receive what Anna typed');
		expect(found(coco.raw, [typed])).toEqual([]);
		await coco.close();
		expect(coco.closeFrame?.code).toBe(CLOSE.revoked.code);
	});

	it('leaves no family content in the logs of either instance', () => {
		expect(found(a.logs() + b.logs(), [conference.secret, conference.brief])).toEqual([]);
	});
});
