import { expect, test } from '@playwright/test';
import * as Y from 'yjs';
import { databaseOf, holdTables, startKring, type KringServer } from '../support/server';
import { conferenceWithFamily, createCoordinator } from '../support/steps';
import { liveDocs, waitUntil } from '../support/yjs-client';
import { addCard } from './support/plan';
import { agreementsOf, metaText } from '../../src/lib/plan/shape';

/**
 * A Kring of its own on PostgreSQL (not the shared end-to-end server): the test damages a stored
 * update and freezes the update log with a table lock, which only a real PostgreSQL allows.
 */
let server: KringServer;
const docs = liveDocs();
test.beforeAll(async () => {
	server = await startKring({ database: 'postgres', env: { KRING_SAVING_PAUSED_AFTER_MS: '500' } });
});
test.afterAll(async () => {
	docs.closeAll();
	await server?.stop();
});

test('the board says in plain words when a part cannot be opened, and when saving is paused and works again', async ({
	browser
}) => {
	const coordinator = await createCoordinator(server);
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Oma Riet']);

	// What a damaged disk leaves in the brief's log before anyone opened it.
	const damaged = new Y.Doc();
	metaText(damaged, 'monitor').insert(0, 'iets');
	const sql = await databaseOf(server);
	try {
		await sql`insert into doc_updates (conference_id, document_name, update)
			values (${conferenceId}, 'brief', ${Buffer.from(Y.encodeStateAsUpdate(damaged).slice(0, -2))})`;
	} finally {
		await sql.end({ timeout: 5 });
	}

	const context = await browser.newContext({ baseURL: server.url, viewport: { width: 360, height: 780 } });
	await context.addCookies([{ name: 'kring_session', value: family[0].client.session!, url: server.url }]);
	const page = await context.newPage();
	await page.goto(`/c/${conferenceId}`);

	await expect(page.getByTestId('document-unreadable')).toContainText(
		'„Vraag en zorgen” kan nu niet worden geopend: er is iets mis met wat Kring ervan heeft bewaard. Er is niets weggegooid.'
	);
	await expect(page.getByTestId('link-state')).toHaveText('Verbonden');
	await expect(page.getByTestId('saving-paused')).toHaveCount(0);

	const stuck = await holdTables(server, ['doc_updates']);
	try {
		await addCard(page, 'Oma haalt de kinderen op');
		await expect(page.getByTestId('saving-paused')).toHaveText(
			'Opslaan lukt even niet. Je wijzigingen blijven op dit apparaat en worden opgeslagen zodra het weer kan. Je kunt gewoon doorgaan.'
		);
		// Oma keeps her agreement on her phone meanwhile.
		await expect(page.getByTestId('agreement')).toHaveCount(1);
		await page.screenshot({ path: 'docs/screenshots/saving-paused-phone.png' });
	} finally {
		await stuck.release();
	}
	await expect(page.getByTestId('saving-paused')).toHaveCount(0);

	// And it was stored: another phone that opens the plan now has it.
	const other = docs.open(family[0].client, conferenceId, 'plan');
	await other.synced;
	await waitUntil(() => agreementsOf(other.doc).length === 1, 'the agreement is stored', { docs: [other.doc] });
	await context.close();
});
