import { expect, it } from 'vitest';
import { changePhase, conferenceWithFamily, handOver } from '../support/steps';
import { kringForThisFile } from '../support/server';
import { holdTables } from '../support/server';
import { addAgreement, agreementTexts } from '../support/edits';
import { openRawSocket } from '../support/raw-socket';
import { waitUntil } from '../support/yjs-client';

// The plan's loading is held open by locking the document tables: only PostgreSQL allows that.
const kring = kringForThisFile({ database: 'postgres' });

it('a phone that gives up while the plan is still loading does not take the plan away from the phone next to it', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, [
		'Oma Riet',
		'Kleinzoon Sem'
	]);
	const [riet, sem] = family;
	await changePhase(coordinator.client, conferenceId, 'information');
	await handOver(coordinator.client, conferenceId, family);

	// Both phones open the plan at the same moment on bad Wi-Fi; Sem's drops before it has loaded.
	const documents = await holdTables(server, ['doc_snapshots', 'doc_updates']);
	const semsSocket = await openRawSocket(sem.client, conferenceId, 'plan');
	const rietsPlan = docs.open(riet.client, conferenceId, 'plan');
	expect(semsSocket.status).toBe(101);
	semsSocket.close();
	await semsSocket.closed;
	await documents.release();

	// Riet's phone still gets the plan, and what Sem writes after reconnecting reaches her.
	await rietsPlan.synced;
	const semsPlan = docs.open(sem.client, conferenceId, 'plan');
	await semsPlan.synced;
	addAgreement(semsPlan.doc, 'Sem helpt oma elke zaterdag met boodschappen', { theme: 'contact' });
	await waitUntil(() => agreementTexts(rietsPlan.doc).length === 1, 'Riet sees Sem’s agreement', {
		docs: [rietsPlan.doc, semsPlan.doc]
	});
	addAgreement(rietsPlan.doc, 'Oma belt Sem op zondag', { theme: 'contact' });
	await waitUntil(() => agreementTexts(semsPlan.doc).length === 2, 'Sem sees Riet’s agreement', {
		docs: [rietsPlan.doc, semsPlan.doc]
	});
});
