import { expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { changePhase, conferenceWithFamily, handOver, removeParticipant } from '../support/steps';
import { kringForThisFile } from '../support/server';
import { holdTables } from '../support/server';
import { openRawSocket, upgradeStatus } from '../support/raw-socket';
import { waitForClose } from '../support/yjs-client';

// The gap between an accepted upgrade and the moment the socket joins its document is widened
// by holding the document tables locked: only a PostgreSQL server lets a test do that.
const kring = kringForThisFile({ database: 'postgres' });

it('a family member removed while their phone is still connecting gets no document and no write access', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, [
		'Moeder Yara',
		'Ex-partner Rob'
	]);
	const [yara, rob] = family;
	await changePhase(coordinator.client, conferenceId, 'information');
	await handOver(coordinator.client, conferenceId, family);

	// Rob's phone opens the plan; the plan is still being loaded for it when Yara removes him.
	const documents = await holdTables(server, ['doc_snapshots', 'doc_updates']);
	const robsSocket = await openRawSocket(rob.client, conferenceId, 'plan');
	expect(robsSocket.status).toBe(101);
	await removeParticipant(yara.client, conferenceId, rob.participantId);
	await documents.release();

	expect((await waitForClose(robsSocket.closed, 'Rob’s socket is closed once his plan has loaded')).code).toBe(
		CLOSE.revoked.code
	);
	expect(robsSocket.bytesReceived()).toBe(0);
	expect(await upgradeStatus(rob.client, conferenceId, 'plan')).toBe(401);

	// The family's own sockets open as before.
	const yaraPlan = docs.open(yara.client, conferenceId, 'plan');
	await yaraPlan.synced;
});
