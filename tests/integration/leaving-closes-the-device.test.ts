import { expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { changePhase, conferenceWithFamily } from '../support/steps';
import { kringForThisFile } from '../support/server';
import { addAgreement, agreementTexts } from '../support/edits';
import { upgradeStatus } from '../support/raw-socket';
import { waitForClose, waitUntil } from '../support/yjs-client';

const kring = kringForThisFile();

it('a relative who leaves a borrowed tablet, and a coordinator who signs out, have their live documents closed at once', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Dennis', 'Samira']);
	const [dennis, samira] = family;
	await changePhase(coordinator.client, conferenceId, 'information');
	const staffBrief = docs.open(coordinator.client, conferenceId, 'brief');
	const dennisPlan = docs.open(dennis.client, conferenceId, 'plan');
	const samiraPlan = docs.open(samira.client, conferenceId, 'plan');
	await Promise.all([staffBrief.synced, dennisPlan.synced, samiraPlan.synced]);

	// Dennis presses "leave" on the visit room's tablet: nothing stays open on it.
	expect((await dennis.client.action(`/c/${conferenceId}`, 'leave')).action).toMatchObject({
		type: 'redirect',
		location: '/?left=1'
	});
	expect((await waitForClose(dennisPlan.closed, 'the tablet’s plan socket closes')).code).toBe(CLOSE.signedOut.code);
	addAgreement(samiraPlan.doc, 'NA-VERTREK: Samira belt zondag', { theme: 'contact' });
	await waitUntil(() => agreementTexts(samiraPlan.doc).length === 1, 'the family goes on');
	expect(agreementTexts(dennisPlan.doc)).toEqual([]);
	expect(await upgradeStatus(dennis.client, conferenceId, 'plan')).toBe(401);

	// The coordinator signs out on a shared office computer: the brief closes too.
	expect((await coordinator.client.action('/logout', 'default')).action).toMatchObject({
		type: 'redirect',
		location: '/'
	});
	expect((await waitForClose(staffBrief.closed, 'the coordinator’s brief socket closes')).code).toBe(
		CLOSE.signedOut.code
	);
	expect(await upgradeStatus(coordinator.client, conferenceId, 'brief')).toBe(401);
});
