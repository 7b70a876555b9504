import { expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { acceptPlan, changePhase, conferenceWithFamily, handOver } from '../support/steps';
import { kringForThisFile } from '../support/server';
import { addAgreement, agreementTexts } from '../support/edits';
import { found } from '../support/found';
import { upgradeStatus } from '../support/raw-socket';
import { waitForClose, waitForConvergence, waitUntil } from '../support/yjs-client';

const kring = kringForThisFile();

const MESSAGE_AUTH = 2;

it('when the family takes more time, the big screen goes dark; after acceptance nobody’s edits are taken, and at closing the coordinator is cut off', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Dochter Eva']);
	const [eva] = family;
	await changePhase(coordinator.client, conferenceId, 'information');
	await handOver(coordinator.client, conferenceId, family);
	const evaPhone = docs.open(eva.client, conferenceId, 'plan');
	await evaPhone.synced;
	addAgreement(evaPhone.doc, 'Eva belt de school over de verzuimregeling', { theme: 'school' });
	await changePhase(eva.client, conferenceId, 'presentation');

	// Questions at the presentation: the family goes back to private time to amend.
	const bigScreen = docs.open(coordinator.client, conferenceId, 'plan');
	await bigScreen.synced;
	await waitForConvergence([bigScreen.doc, evaPhone.doc]);
	await changePhase(eva.client, conferenceId, 'private');
	expect(
		(await waitForClose(bigScreen.closed, 'the big screen loses the plan when the family goes back to private time'))
			.code
	).toBe(CLOSE.revoked.code);
	addAgreement(evaPhone.doc, 'AMENDEMENT: Eva gaat mee naar het eerste gesprek', { theme: 'school' });
	expect(await upgradeStatus(coordinator.client, conferenceId, 'plan')).toBe(403);

	await changePhase(eva.client, conferenceId, 'presentation');
	const again = docs.open(coordinator.client, conferenceId, 'plan');
	await waitUntil(() => agreementTexts(again.doc).length === 2, 'the big screen shows the amended plan', {
		docs: [again.doc]
	});
	expect(found(bigScreen.received, ['AMENDEMENT'])).toEqual([]);

	// Accepted: Eva's phone stays connected, read-only; what it still tries to write is refused.
	const version = await acceptPlan(coordinator.client, conferenceId, '');
	expect(version).toBe(1);
	const deniedBefore = evaPhone.received.filter((message) => message[0] === MESSAGE_AUTH).length;
	addAgreement(evaPhone.doc, 'NA-AFLOOP: nog iets', { theme: 'other' });
	await waitUntil(
		() => evaPhone.received.filter((message) => message[0] === MESSAGE_AUTH).length > deniedBefore,
		'Eva’s phone hears the plan is frozen'
	);
	const frozen = docs.open(eva.client, conferenceId, 'plan');
	await frozen.synced;
	expect(agreementTexts(frozen.doc)).toEqual([
		'Eva belt de school over de verzuimregeling',
		'AMENDEMENT: Eva gaat mee naar het eerste gesprek'
	]);
	const exported = JSON.parse((await eva.client.get(`/c/${conferenceId}/export`)).text);
	expect(exported.plan.agreements.map((a: { text: string }) => a.text)).toEqual(agreementTexts(frozen.doc));

	// Closed: the coordinator's task is over; the family keeps reading.
	await changePhase(coordinator.client, conferenceId, 'closed');
	expect((await waitForClose(again.closed, 'the coordinator loses the plan when the conference closes')).code).toBe(
		CLOSE.revoked.code
	);
	expect(await upgradeStatus(coordinator.client, conferenceId, 'plan')).toBe(403);
	expect(await upgradeStatus(eva.client, conferenceId, 'plan')).toBe(101);
	expect(evaPhone.closeEvents).toEqual([]);
});
