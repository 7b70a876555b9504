import { expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { acceptPlan, boardData, changePhase, conferenceWithFamily, handOver } from '../support/steps';
import { kringForThisFile } from '../support/server';
import { addAgreement, agreementTexts } from '../support/edits';
import { upgradeStatus } from '../support/raw-socket';
import { waitForClose, waitUntil } from '../support/yjs-client';

// A month shortened to two seconds, and housekeeping every fifth of one.
const kring = kringForThisFile({
	env: { KRING_CLOSE_ACCEPTED_AFTER_MS: '2000', KRING_HOUSEKEEPING_INTERVAL_MS: '200' }
});

it('some time after acceptance the conference closes by itself: the coordinator is cut off, the family keeps its plan', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Moeder Ans']);
	const [ans] = family;
	await changePhase(coordinator.client, conferenceId, 'information');
	await handOver(coordinator.client, conferenceId, family);
	const phone = docs.open(ans.client, conferenceId, 'plan');
	await phone.synced;
	addAgreement(phone.doc, 'Ans meldt Dennis aan bij de gemeente', { theme: 'housing' });
	await waitUntil(() => agreementTexts(phone.doc).length === 1, 'the agreement is written');
	await changePhase(ans.client, conferenceId, 'presentation');
	expect(await acceptPlan(coordinator.client, conferenceId)).toBe(1);

	// Right after acceptance the coordinator still reads the plan…
	const screen = docs.open(coordinator.client, conferenceId, 'plan');
	await screen.synced;
	expect(agreementTexts(screen.doc)).toEqual(['Ans meldt Dennis aan bij de gemeente']);

	// …until the set time has passed: then her socket closes and nothing opens again.
	expect(
		(await waitForClose(screen.closed, 'the coordinator’s plan socket closes when the conference closes')).code
	).toBe(CLOSE.revoked.code);
	expect((await boardData(coordinator.client, conferenceId)).board?.conference.phase).toBe('closed');
	expect(await upgradeStatus(coordinator.client, conferenceId, 'plan')).toBe(403);
	expect((await coordinator.client.get(`/c/${conferenceId}/export`)).status).toBe(404);

	// The family keeps the accepted plan, and the log says Kring closed it.
	const board = (await boardData(ans.client, conferenceId)).board;
	expect(board?.accepted?.version).toBe(1);
	expect(
		board?.audit.some(
			(entry) => entry.actor === 'Kring' && entry.action === 'phase.changed' && entry.detail === 'accepted → closed'
		)
	).toBe(true);
	expect((await ans.client.get(`/c/${conferenceId}/export`)).status).toBe(200);
});
