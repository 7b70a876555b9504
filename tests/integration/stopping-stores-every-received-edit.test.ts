import * as Y from 'yjs';
import { expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { fieldText, typeInto } from '../support/edits';
import { databaseOf, kringForThisFile } from '../support/server';
import { conferenceWithFamily } from '../support/steps';
import { waitForClose, waitUntil } from '../support/yjs-client';

// A slow database is made with a trigger that sleeps on every insert into the update log: PostgreSQL.
const kring = kringForThisFile({ database: 'postgres' });

it('a server stopped (SIGTERM) while the database is slow stores every edit it had received before it exits', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Broer Youssef']);
	const plan = docs.open(family[0].client, conferenceId, 'plan');
	await plan.synced;

	const sql = await databaseOf(server);
	// The database outlives this server's stop() until the end of the test.
	server.database.retain();
	try {
		await sql.unsafe(`
			create function kring_test_slow_insert() returns trigger language plpgsql as $$
			begin perform pg_sleep(1); return null; end $$;
			create trigger kring_test_slow before insert on doc_updates
			for each statement execute function kring_test_slow_insert();`);

		// Youssef types 40 keys, each its own update; every one has left his phone when the server is told to stop.
		const sentence = 'Youssef haalt de boodschappen op zaterdag';
		await typeInto(plan.doc, 'monitor', sentence);
		await waitUntil(() => plan.provider.ws?.bufferedAmount === 0, 'every keystroke is on the wire');
		await server.stop();

		const close = await waitForClose(plan.closed, 'the phone is told the server is restarting');
		expect(close).toMatchObject(CLOSE.shuttingDown);

		const rows = await sql<{ update: Buffer }[]>`
			select update from doc_updates where conference_id = ${conferenceId} and document_name = 'plan' order by id`;
		const stored = new Y.Doc();
		for (const row of rows) Y.applyUpdate(stored, new Uint8Array(row.update));
		expect(fieldText(stored, 'monitor')).toBe(sentence);
		expect(rows.length).toBeGreaterThanOrEqual(sentence.length);
	} finally {
		await sql.end({ timeout: 5 });
		await server.database.release();
	}
});
