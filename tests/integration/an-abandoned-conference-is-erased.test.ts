import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dumpDatabase } from '../support/database-dump';
import { addConcern } from '../support/edits';
import { kringForThisFile } from '../support/server';
import { authorIn, boardData, changePhase, createConference, unique } from '../support/steps';
import { waitUntil } from '../support/yjs-client';

/**
 * A conference that never reaches acceptance is not kept for ever: once nothing has happened in it
 * for as long as an unfinished conference is kept, everything about it is erased. A conference
 * still in use is not, however long ago it started: each edit is a sign of life.
 */

// Unfinished conferences go after three seconds without a sign of life; housekeeping looks every fifth of a second.
const KEPT_MS = 3000;
const ENV = { KRING_ERASE_UNFINISHED_AFTER_MS: String(KEPT_MS), KRING_HOUSEKEEPING_INTERVAL_MS: '200' };

describe.each(['pglite', 'postgres'] as const)('on %s', (database) => {
	// PGlite is read while the server is stopped, so its folder must outlive a stop.
	const dataDir = database === 'pglite' ? mkdtempSync(join(tmpdir(), 'kring-abandoned-')) : undefined;
	afterAll(() => {
		if (dataDir) rmSync(dataDir, { recursive: true, force: true });
	});
	const kring = kringForThisFile({ database, dataDir, env: ENV });

	it('a conference left in its information phase is erased once unused for long enough, while one still edited stays', async () => {
		const { server, coordinator, docs } = kring;
		const carla = coordinator.client;
		const abandonedMarker = unique('abandoned-concern');
		const usedMarker = unique('used-concern');
		const abandoned = await createConference(carla, { title: 'Familie Vergeten', question: 'Wie weet het nog?' });
		const used = await createConference(carla, { title: 'Familie Bezig', question: 'Hoe verder?' });
		await changePhase(carla, abandoned, 'information');
		await changePhase(carla, used, 'information');

		const abandonedBrief = docs.open(carla, abandoned, 'brief');
		const usedBrief = docs.open(carla, used, 'brief');
		await Promise.all([abandonedBrief.synced, usedBrief.synced]);
		addConcern(abandonedBrief.doc, abandonedMarker, await authorIn(carla, abandoned));
		const usedAuthor = await authorIn(carla, used);
		addConcern(usedBrief.doc, `${usedMarker}-0`, usedAuthor);
		// Kring stores an edit before anyone else sees it: once another reader has it, it is stored.
		const reader = docs.open(carla, abandoned, 'brief');
		await waitUntil(
			() =>
				reader.doc
					.getArray('concerns')
					.toJSON()
					.some((item) => JSON.stringify(item).includes(abandonedMarker)),
			'the abandoned conference’s concern is stored',
			{ docs: [reader.doc] }
		);
		reader.destroy();
		abandonedBrief.destroy();

		// The used conference gets an edit every half second: far more often than it would be erased.
		let edits = 0;
		const typing = setInterval(() => addConcern(usedBrief.doc, `${usedMarker}-${++edits}`, usedAuthor), 500);
		try {
			await waitUntil(
				async () => (await carla.pageData(`/c/${abandoned}`)).status === 404,
				'the abandoned conference is erased',
				{ timeoutMs: 30_000 }
			);
			// Both changed phase at the same moment, long enough ago to be erased; only edits kept this one.
			expect((await boardData(carla, used)).board?.conference.phase).toBe('information');
		} finally {
			clearInterval(typing);
		}

		usedBrief.destroy();
		const dump = await dumpDatabase(server);
		expect(dump.placesOf(abandonedMarker)).toEqual([]);
		expect(dump.placesOf('Familie Vergeten')).toEqual([]);
		expect(dump.placesOf(`${usedMarker}-0`)).not.toEqual([]);
	});
});
