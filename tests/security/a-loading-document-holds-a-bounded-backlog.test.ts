import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { holdTables } from '../support/kring-server';
import {
	Browser,
	DocClient,
	expectAction,
	found,
	queryAwareness,
	rawDocSocket,
	seedConference,
	startKring,
	until,
	writeAgreement,
	type KringServer,
	type Seeded
} from './support';

/**
 * Until a document is open (its room loaded from the database, the socket's right read again),
 * what a socket sends is held for it. A script that keeps sending while the database is slow must
 * not be able to fill the server's memory with it, as GHSA-xwhh-v746-pj9m showed for Hocuspocus:
 * past a bound the socket is closed (4429). The database's slowness is made here by holding a
 * lock on the document tables, which only PostgreSQL allows.
 */
describe('a document that is still loading holds a bounded backlog', () => {
	let server: KringServer;
	let conference: Seeded;
	let cas: Browser;

	beforeAll(async () => {
		server = await startKring({ database: 'postgres' });
		conference = await seedConference(server);
		cas = new Browser(server, 'cas');
		expectAction(
			await cas.action(`/j/${conference.familyInviteToken}`, 'default', { displayName: 'Cas', presence: 'room' }),
			'redirect'
		);
		// Everyone closes the plan, so that the next socket has to load it from the database.
		conference.close();
	});
	afterAll(async () => {
		await server?.stop();
	});

	it('a socket that sends more than is held while the plan loads is closed (4429); the plan then opens for the family', async () => {
		const tables = await holdTables(server, ['doc_snapshots', 'doc_updates']);
		let released = false;
		try {
			const flood = await rawDocSocket(cas, conference.id, 'plan');
			expect(flood.status).toBe(101);
			for (let i = 0; i < 1000; i++) flood.send(queryAwareness());
			await until(() => flood.closeFrame, 'the flooding socket to be closed while the plan is still loading', 15_000);
			expect(flood.closeFrame).toEqual(CLOSE.flooded);
			await flood.ended;
			expect(found(flood.raw, [conference.secret])).toEqual([]);
			await tables.release();
			released = true;
		} finally {
			if (!released) await tables.release();
		}

		const anna = new DocClient(conference.anna, conference.id, 'plan');
		const bram = new DocClient(conference.bram, conference.id, 'plan');
		try {
			await Promise.all([anna.synced(), bram.synced()]);
			expect(anna.has(conference.planTexts[0])).toBe(true);
			const text = conference.newSecret('after-the-flood');
			writeAgreement(anna, text);
			await until(() => bram.has(text), 'Bram to receive what Anna typed');
			expect([...anna.closes, ...bram.closes]).toEqual([]);
		} finally {
			anna.destroy();
			bram.destroy();
		}
	});

	it('leaves no family content in the server logs', () => {
		expect(found(server.logs(), [conference.secret, conference.brief])).toEqual([]);
	});
});
