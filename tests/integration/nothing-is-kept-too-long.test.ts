import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { acceptedConference, type Markers } from '../support/conference-with-everything';
import { dumpDatabase, type DatabaseDump } from '../support/database-dump';
import { addAgreement, fieldText } from '../support/edits';
import type { Browser } from '../support/http-client';
import { upgradeStatus } from '../support/raw-socket';
import { kringForThisFile } from '../support/server';
import {
	acceptPlan,
	boardData,
	changePhase,
	createConference,
	handOver,
	inviteFamily,
	joinByLink,
	unique
} from '../support/steps';
import { waitForClose, waitUntil } from '../support/yjs-client';
import { metaText } from '../../src/lib/plan/shape';

/**
 * Nothing is kept too long: once the retention after closing has passed, or when the family or the
 * coordinator asks for it, every row about a conference is gone from the database — read here the
 * way someone who copies the database would read it, every table and column — while another
 * conference keeps everything. And once a plan is accepted, the drafts written on the way are gone.
 */

// Closed conferences are erased a second after closing (unless their coordinator chose otherwise),
// and housekeeping looks every fifth of a second.
const ENV = { KRING_ERASE_CLOSED_AFTER_MS: '1000', KRING_HOUSEKEEPING_INTERVAL_MS: '200' };

const everyMarker = (conference: { markers: Markers }) => Object.values(conference.markers);

function placesOfEach(dump: DatabaseDump, conference: { markers: Markers }): Record<string, string[]> {
	return Object.fromEntries(everyMarker(conference).map((marker) => [marker, dump.placesOf(marker)]));
}

/** The server-sent event stream of a board; `gone` resolves with what it says when it says `gone`. */
async function boardStream(client: Browser, conferenceId: string) {
	const stream = await client.events(`/c/${conferenceId}/events`);
	expect(stream.status).toBe(200);
	const gone = waitUntil(
		() => stream.events.find((event) => event.event === 'gone'),
		`the board of ${conferenceId} says it is gone`
	).then((event) => {
		stream.close();
		return event.data;
	});
	// Nobody has to wait for a stream that is never meant to end.
	gone.catch(() => stream.close());
	return { gone };
}

/** What `client` gets when opening the board: 200, or 404 once the conference is gone. */
async function boardStatus(client: Browser, conferenceId: string): Promise<number> {
	return (await client.pageData(`/c/${conferenceId}`)).status;
}

describe.each(['pglite', 'postgres'] as const)('on %s', (database) => {
	// PGlite is read while the server is stopped, so its folder must outlive a stop.
	const dataDir = database === 'pglite' ? mkdtempSync(join(tmpdir(), 'kring-erasure-')) : undefined;
	afterAll(() => {
		if (dataDir) rmSync(dataDir, { recursive: true, force: true });
	});
	const kring = kringForThisFile({ database, dataDir, env: ENV });

	it('a draft the family wrote and deleted before acceptance is gone from the database once the plan is accepted', async () => {
		const { server, coordinator, docs } = kring;
		const tag = unique('draft');
		const kept = `${tag}-kept-agreement`;
		const draft = `${tag}-deleted-draft`;
		const carla = coordinator.client;
		const id = await createConference(carla, { title: 'Familie Drafts', question: 'Wat blijft er over?' });
		const family = [await joinByLink(server, await inviteFamily(carla, id), 'Moeder')];
		const mother = family[0].client;
		await changePhase(carla, id, 'information');
		await handOver(carla, id, family);
		const plan = docs.open(mother, id, 'plan');
		await plan.synced;
		addAgreement(plan.doc, kept);
		metaText(plan.doc, 'contingency').insert(0, draft);
		metaText(plan.doc, 'contingency').delete(0, draft.length);
		metaText(plan.doc, 'contingency').insert(0, 'Dan bellen we de coördinator.');
		const reader = docs.open(mother, id, 'plan');
		await reader.synced;
		await waitUntil(() => fieldText(reader.doc, 'contingency') === 'Dan bellen we de coördinator.', 'stored');
		plan.destroy();
		reader.destroy();

		const before = await dumpDatabase(server);
		expect(before.placesOf(draft)).toContain('doc_updates.update');

		await changePhase(mother, id, 'presentation');
		expect(await acceptPlan(carla, id)).toBe(1);

		const after = await dumpDatabase(server);
		expect(after.placesOf(draft)).toEqual([]);
		// What was agreed stays, in the frozen version and in the one snapshot the live plan is now.
		expect(after.placesOf(kept)).toEqual(
			expect.arrayContaining(['plan_versions.content', 'plan_versions.plan_state', 'doc_snapshots.state'])
		);
		expect(after.placesOf(kept)).not.toContain('doc_updates.update');
		expect((await boardData(mother, id)).board?.accepted?.version).toBe(1);
	});

	it('after erasure — when the retention has passed, at the family’s request, at the coordinator’s — nothing of those conferences is left in any table, and another conference keeps everything', async () => {
		const { server, coordinator } = kring;
		const carla = coordinator.client;
		const kept = await acceptedConference(kring, unique('kept'));
		const timed = await acceptedConference(kring, unique('timed'));
		const byFamily = await acceptedConference(kring, unique('family'));
		const byCoordinator = await acceptedConference(kring, unique('coord'));

		// The kept conference is closed too, but its coordinator keeps it for a year; the one the
		// coordinator will erase herself is kept 30 days, so that the clock does not come first.
		for (const [conference, days] of [
			[kept, '365'],
			[byCoordinator, '30']
		] as const)
			expect((await carla.action(`/c/${conference.id}`, 'retention', { days })).action?.type).toBe('success');
		await changePhase(carla, kept.id, 'closed');
		const keptBoard = (await boardData(kept.mother, kept.id)).board!;
		expect(keptBoard.retention.latest).toBe(false);
		expect(new Date(keptBoard.retention.erasesOn!).getTime()).toBeGreaterThan(Date.now() + 364 * 24 * 3600_000);

		// Every string of every conference is in the database, in the tables one would expect.
		const before = await dumpDatabase(server);
		for (const conference of [kept, timed, byFamily, byCoordinator])
			for (const [marker, places] of Object.entries(placesOfEach(before, conference)))
				expect(places, marker).not.toEqual([]);
		const placesBefore = new Set(Object.values(placesOfEach(before, kept)).flat());
		for (const table of ['conferences', 'participants', 'invites', 'audit_log', 'plan_versions', 'doc_snapshots'])
			expect(
				[...placesBefore].some((place) => place.startsWith(`${table}.`)),
				table
			).toBe(true);

		// 1. The clock: closed, then erased by housekeeping once its retention has passed. The family's
		// open board is told, and its socket closes like a removed device's, never to open again.
		const board = await boardStream(timed.mother, timed.id);
		const { docs } = kring;
		const phone = docs.open(timed.mother, timed.id, 'plan');
		const professionalScreen = docs.open(timed.professional, timed.id, 'plan');
		await Promise.all([phone.synced, professionalScreen.synced]);
		const familyBoard = (await boardData(timed.mother, timed.id)).board!;
		expect(familyBoard.retention.latest).toBe(true);
		await changePhase(carla, timed.id, 'closed');
		expect(await board.gone).toEqual({ erased: true });
		expect((await waitForClose(phone.closed, 'the family’s socket closes')).code).toBe(CLOSE.removed.code);
		expect((await waitForClose(professionalScreen.closed, 'the professional’s socket closes')).code).toBe(
			CLOSE.removed.code
		);
		expect(await boardStatus(carla, timed.id)).toBe(404);
		expect(await upgradeStatus(timed.mother, timed.id, 'plan')).toBe(401);
		expect(await upgradeStatus(timed.professional, timed.id, 'plan')).toBe(403);
		expect((await timed.professional.get(`/c/${timed.id}/export`)).status).toBe(404);
		phone.destroy();
		professionalScreen.destroy();

		// 2. The family asks, once the plan is accepted: without confirming nothing happens.
		expect((await byFamily.uncle.action(`/c/${byFamily.id}`, 'erase', {})).action).toMatchObject({
			type: 'failure',
			data: { error: 'erase_not_confirmed' }
		});
		expect((await boardData(byFamily.uncle, byFamily.id)).board?.accepted?.version).toBe(1);
		const otherPhone = await boardStream(byFamily.mother, byFamily.id);
		expect((await byFamily.uncle.action(`/c/${byFamily.id}`, 'erase', { confirm: 'yes' })).action).toEqual({
			type: 'redirect',
			status: 303,
			location: '/?erased=1'
		});
		expect(await otherPhone.gone).toEqual({ erased: true });
		for (const who of [byFamily.mother, byFamily.uncle, byFamily.professional, carla])
			expect(await boardStatus(who, byFamily.id)).toBe(404);

		// 3. The coordinator asks, once she has closed the conference.
		await changePhase(carla, byCoordinator.id, 'closed');
		expect((await carla.action(`/c/${byCoordinator.id}`, 'erase', { confirm: 'yes' })).action).toEqual({
			type: 'redirect',
			status: 303,
			location: '/staff?erased=1'
		});
		expect(await boardStatus(byCoordinator.mother, byCoordinator.id)).toBe(404);

		// Not one string of the three is anywhere; every string of the kept one is where it was.
		const after = await dumpDatabase(server);
		for (const conference of [timed, byFamily, byCoordinator])
			for (const [marker, places] of Object.entries(placesOfEach(after, conference)))
				expect(places, marker).toEqual([]);
		expect(placesOfEach(after, kept)).toEqual(placesOfEach(before, kept));
		expect((await boardData(kept.mother, kept.id)).board?.accepted?.version).toBe(1);
		// The staff accounts are not the conference's: they stay, and still sign in.
		expect((await carla.get('/staff')).status).toBe(200);
	});
});
