import { expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { boardData, changePhase, conferenceWithFamily, handOver, removeParticipant } from '../support/steps';
import { kringForThisFile } from '../support/server';
import { addAgreement, agreementTexts } from '../support/edits';
import { found } from '../support/found';
import { upgradeStatus } from '../support/raw-socket';
import { waitForClose, waitUntil, type LiveDoc } from '../support/yjs-client';

const kring = kringForThisFile();

const namesIn = (liveDoc: LiveDoc) =>
	[...liveDoc.provider.awareness.getStates().values()].map(
		(state) => (state.user as { name?: string } | undefined)?.name
	);

it('a family member removed by another family member loses both documents at once, and cannot come back with the old cookie', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, [
		'Moeder Yara',
		'Ex-partner Rob'
	]);
	const [yara, rob] = family;
	await changePhase(coordinator.client, conferenceId, 'information');
	await handOver(coordinator.client, conferenceId, family);

	const yaraPlan = docs.open(yara.client, conferenceId, 'plan');
	const robPlan = docs.open(rob.client, conferenceId, 'plan', { presence: { name: 'Rob' } });
	const robBrief = docs.open(rob.client, conferenceId, 'brief');
	await Promise.all([yaraPlan.synced, robPlan.synced, robBrief.synced]);
	addAgreement(yaraPlan.doc, 'Yara houdt de sleutel van het huis', { theme: 'housing' });
	await waitUntil(() => agreementTexts(robPlan.doc).length === 1, 'Rob sees the plan while he is in', {
		docs: [robPlan.doc]
	});
	await waitUntil(() => namesIn(yaraPlan).includes('Ex-partner Rob'), 'Yara sees Rob is here');

	// Yara sends Rob away from the board.
	const requested = performance.now();
	await removeParticipant(yara.client, conferenceId, rob.participantId);
	const answered = performance.now();
	const [planClose, briefClose] = await Promise.all([
		waitForClose(robPlan.closed, 'Rob’s plan socket closes'),
		waitForClose(robBrief.closed, 'Rob’s brief socket closes')
	]);
	expect(planClose.code).toBe(CLOSE.removed.code);
	expect(briefClose.code).toBe(CLOSE.removed.code);
	console.log(
		`[removal] remove request → Rob's plan socket closed: ${(planClose.at - requested).toFixed(1)} ms, brief: ${(briefClose.at - requested).toFixed(1)} ms ` +
			`(HTTP answer after ${(answered - requested).toFixed(1)} ms)`
	);
	await waitUntil(() => !namesIn(yaraPlan).includes('Ex-partner Rob'), 'Rob’s presence is gone from Yara’s screen');

	// What the family writes next never reaches Rob, and his old session opens nothing.
	addAgreement(yaraPlan.doc, 'NA-ROB: de kinderen slapen bij oma', { theme: 'upbringing' });
	const check = docs.open(yara.client, conferenceId, 'plan');
	await waitUntil(() => agreementTexts(check.doc).length === 2, 'the family’s plan goes on', { docs: [check.doc] });
	expect(found(robPlan.received, ['NA-ROB'])).toEqual([]);
	expect(robPlan.closeEvents).toHaveLength(1);
	expect(await upgradeStatus(rob.client, conferenceId, 'plan')).toBe(401);
	expect(await upgradeStatus(rob.client, conferenceId, 'brief')).toBe(401);
	// His board only sends him home, where he is told once that he no longer takes part.
	const board = await rob.client.get(`/c/${conferenceId}`);
	expect(board.status).toBe(303);
	expect(board.headers.get('location')).toBe('/?removed=1');
	expect(board.text).not.toContain('NA-ROB');
	const data = await rob.client.pageData(`/c/${conferenceId}`);
	expect(data).toEqual({ status: 303, data: {}, location: '/?removed=1' });
	expect((await boardData(yara.client, conferenceId)).board?.participants.map((p) => p.name)).not.toContain(
		'Ex-partner Rob'
	);
});
