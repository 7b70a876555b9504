import { beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { addAgreement } from '../support/edits';
import { found } from '../support/found';
import type { Browser } from '../support/http-client';
import { openRawSocket } from '../support/raw-socket';
import { holdTables, kringForThisFile } from '../support/server';
import { joinByLink } from '../support/steps';
import { queryAwareness } from '../support/y-messages';
import { waitUntil } from '../support/yjs-client';
import { seedConference, type Seeded } from './seeded-conference';

/**
 * Until a document is open (its room loaded from the database, the socket's right read again),
 * what a socket sends is held for it. A script that keeps sending while the database is slow must
 * not be able to fill the server's memory with it, as GHSA-xwhh-v746-pj9m showed for Hocuspocus:
 * past a bound the socket is closed (4429). The database's slowness is made here by holding a
 * lock on the document tables, which only PostgreSQL allows.
 */
describe('a document that is still loading holds a bounded backlog', () => {
	// No grace period: once everyone has left, the next socket has to load the plan from the database.
	const kring = kringForThisFile({ database: 'postgres', env: { KRING_ROOM_GRACE_MS: '0' } });
	let conference: Seeded;
	let cas: Browser;

	beforeAll(async () => {
		conference = await seedConference(kring);
		cas = (await joinByLink(kring.server, conference.familyLink, 'Cas', { presence: 'room' })).client;
		// Everyone closes the plan, so that the next socket has to load it from the database.
		kring.docs.closeAll();
	});

	it('a socket that sends more than is held while the plan loads is closed (4429); the plan then opens for the family', async () => {
		const tables = await holdTables(kring.server, ['doc_snapshots', 'doc_updates']);
		let released = false;
		try {
			const flood = await openRawSocket(cas, conference.id, 'plan');
			expect(flood.status).toBe(101);
			for (let i = 0; i < 1000; i++) flood.send(queryAwareness());
			await waitUntil(() => flood.closeFrame, 'the flooding socket to be closed while the plan is still loading', {
				timeoutMs: 15_000
			});
			expect(flood.closeFrame).toEqual(CLOSE.flooded);
			await flood.ended;
			expect(found(flood.raw, [conference.secret])).toEqual([]);
			await tables.release();
			released = true;
		} finally {
			if (!released) await tables.release();
		}

		const anna = conference.open(conference.anna, 'plan');
		const bram = conference.open(conference.bram, 'plan');
		await Promise.all([anna.synced, bram.synced]);
		expect(anna.has(conference.planTexts[0])).toBe(true);
		const text = conference.newSecret('after-the-flood');
		addAgreement(anna.doc, text, { theme: 'housing' });
		await waitUntil(() => bram.has(text), 'Bram to receive what Anna typed');
		expect([...anna.closeEvents, ...bram.closeEvents]).toEqual([]);
	});

	it('leaves no family content in the server logs', () => {
		expect(found(kring.server.logs(), [conference.secret, conference.brief])).toEqual([]);
	});
});
