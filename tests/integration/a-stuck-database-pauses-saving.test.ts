import { expect, it } from 'vitest';
import { MESSAGE_SAVING } from '$lib/collab/saving';
import { addAgreement, agreementTexts } from '../support/edits';
import { databaseOf, holdTables, kringForThisFile } from '../support/server';
import { conferenceWithFamily } from '../support/steps';
import { waitUntil, type LiveDoc } from '../support/yjs-client';

// The update log is frozen with a table lock from another connection: PostgreSQL. The boards are
// told after 1 s; PostgreSQL gives up on a statement after 2 s, so the lock outlasts a few of them.
const kring = kringForThisFile({
	database: 'postgres',
	env: { KRING_SAVING_PAUSED_AFTER_MS: '1000', KRING_STATEMENT_TIMEOUT_MS: '2000' }
});

/** What the server said about saving, in order: 1 paused, 0 works again. */
function savingNotices(live: LiveDoc): number[] {
	return live.received.filter((message) => message[0] === MESSAGE_SAVING).map((message) => message[1]);
}

function listen(live: LiveDoc): LiveDoc {
	// The board handles this message (src/lib/collab/live-doc.svelte.ts); the bare provider only needs to accept it.
	live.provider.messageHandlers[MESSAGE_SAVING] = () => {};
	return live;
}

it('when the database hangs, every phone on the plan is told saving is paused, keeps its edit, and is told when it is saved', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Vader Marco', 'Nicht Eva']);
	const [marco, eva] = family;
	const marcosPlan = listen(docs.open(marco.client, conferenceId, 'plan'));
	const evasPlan = listen(docs.open(eva.client, conferenceId, 'plan'));
	await Promise.all([marcosPlan.synced, evasPlan.synced]);

	const stuck = await holdTables(server, ['doc_updates']);
	let held = true;
	try {
		addAgreement(marcosPlan.doc, 'Marco kookt op woensdag', { theme: 'upbringing' });
		await waitUntil(
			() => savingNotices(marcosPlan).includes(1) && savingNotices(evasPlan).includes(1),
			'both phones are told that saving is paused'
		);
		// Nothing unsaved is passed on, and Marco's phone still has his agreement.
		expect(agreementTexts(evasPlan.doc)).toEqual([]);
		expect(agreementTexts(marcosPlan.doc)).toEqual(['Marco kookt op woensdag']);

		// A phone that opens the plan now is told at once.
		const late = listen(docs.open(eva.client, conferenceId, 'plan'));
		await late.synced;
		await waitUntil(() => savingNotices(late).includes(1), 'a phone that comes in during the pause is told');

		// PostgreSQL cancels the stuck insert after 2 s: the server tries again instead of giving up.
		await waitUntil(() => /trying again/.test(server.logs()), 'the statement timeout fires and the store retries');
		expect(marcosPlan.closeEvents).toEqual([]);

		await stuck.release();
		held = false;
		await waitUntil(() => agreementTexts(evasPlan.doc).length === 1, 'the agreement is saved and reaches Eva', {
			docs: [evasPlan.doc]
		});
		await waitUntil(
			() => [marcosPlan, evasPlan, late].every((live) => savingNotices(live).at(-1) === 0),
			'every phone is told that saving works again'
		);
		expect(marcosPlan.closeEvents).toEqual([]);
	} finally {
		if (held) await stuck.release();
	}

	const sql = await databaseOf(server);
	try {
		const rows = await sql`select 1 from doc_updates where conference_id = ${conferenceId} and document_name = 'plan'`;
		expect(rows.length).toBeGreaterThanOrEqual(1);
	} finally {
		await sql.end({ timeout: 5 });
	}
	expect(server.logs()).not.toContain('Marco kookt');
});
