import { expect, it } from 'vitest';
import { changePhase, conferenceWithFamily, handOver } from '../support/steps';
import { kringForThisFile } from '../support/server';
import { addAgreement, agreementTexts, fieldText } from '../support/edits';
import { metaText } from '../../src/lib/plan/shape';
import { found } from '../support/found';
import { waitForConvergence, waitUntil } from '../support/yjs-client';

const kring = kringForThisFile();

const MESSAGE_AUTH = 2;

it('at the presentation the coordinator’s screen shows the plan, but what it tries to change is not applied, kept or passed on', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Vader Kees']);
	const [kees] = family;
	await changePhase(coordinator.client, conferenceId, 'information');
	await handOver(coordinator.client, conferenceId, family);
	const keesPhone = docs.open(kees.client, conferenceId, 'plan');
	await keesPhone.synced;
	addAgreement(keesPhone.doc, 'Kees stopt met drinken en gaat naar de AA', { theme: 'health' });
	metaText(keesPhone.doc, 'monitor').insert(0, 'Oom Bert');
	await changePhase(kees.client, conferenceId, 'presentation');

	// The big screen: the coordinator's plan socket receives the whole plan.
	const bigScreen = docs.open(coordinator.client, conferenceId, 'plan');
	await bigScreen.synced;
	await waitForConvergence([bigScreen.doc, keesPhone.doc], 'the coordinator’s screen shows the family’s plan');
	expect(agreementTexts(bigScreen.doc)).toEqual(['Kees stopt met drinken en gaat naar de AA']);

	// Someone at the coordinator's laptop edits the plan anyway.
	addAgreement(bigScreen.doc, 'DOOR-DE-COORDINATOR: Kees verhuist', { theme: 'housing' });
	metaText(bigScreen.doc, 'monitor').insert(0, 'COORDINATOR-');
	await waitUntil(
		() => bigScreen.received.some((message) => message[0] === MESSAGE_AUTH),
		'the server tells the coordinator the plan is read-only'
	);

	// The family keeps writing; the big screen follows live, so the server is passing changes on.
	addAgreement(keesPhone.doc, 'Kees belt zijn dochter elke week', { theme: 'contact' });
	await waitUntil(
		() => agreementTexts(bigScreen.doc).includes('Kees belt zijn dochter elke week'),
		'the big screen shows the family’s new agreement',
		{
			docs: [bigScreen.doc]
		}
	);
	const secondPhone = docs.open(kees.client, conferenceId, 'plan');
	await secondPhone.synced;
	await waitForConvergence([secondPhone.doc, keesPhone.doc]);
	for (const familyDoc of [keesPhone, secondPhone]) {
		expect(agreementTexts(familyDoc.doc)).toEqual([
			'Kees stopt met drinken en gaat naar de AA',
			'Kees belt zijn dochter elke week'
		]);
		expect(fieldText(familyDoc.doc, 'monitor')).toBe('Oom Bert');
		expect(found(familyDoc.received, ['DOOR-DE-COORDINATOR'])).toEqual([]);
		expect(found(familyDoc.received, ['COORDINATOR-'])).toEqual([]);
	}

	// Not stored either: after a restart the server still does not have it, even though the
	// coordinator's screen stays open, reconnects and still holds its own local change.
	const reconnectsBefore = bigScreen.closeEvents.length;
	await server.restart();
	await waitUntil(
		() => bigScreen.closeEvents.length > reconnectsBefore && bigScreen.provider.synced,
		'the big screen reconnects after the restart'
	);
	const afterRestart = docs.open(kees.client, conferenceId, 'plan');
	await afterRestart.synced;
	await waitUntil(() => agreementTexts(afterRestart.doc).length === 2, 'the family’s plan is back', {
		docs: [afterRestart.doc]
	});
	expect(agreementTexts(afterRestart.doc)).toEqual([
		'Kees stopt met drinken en gaat naar de AA',
		'Kees belt zijn dochter elke week'
	]);
	expect(fieldText(afterRestart.doc, 'monitor')).toBe('Oom Bert');
	expect(agreementTexts(bigScreen.doc)).toContain('DOOR-DE-COORDINATOR: Kees verhuist');
});
