import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { conferenceWithFamily } from '../support/steps';
import { kringForThisFile } from '../support/server';
import { addAgreement, typeForAnHour } from '../support/edits';
import { deniedReasons, waitForConvergence, waitUntil } from '../support/yjs-client';

const kring = kringForThisFile();

it('a phone that typed for an hour without a connection sends it all when it is back, and the guard takes it', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Opa Henk', 'Zus Lotte']);
	const [henk, lotte] = family;
	const henkPhone = docs.open(henk.client, conferenceId, 'plan');
	const lottePhone = docs.open(lotte.client, conferenceId, 'plan');
	await Promise.all([henkPhone.synced, lottePhone.synced]);
	for (const text of ['Henk brengt Noor naar voetbal', 'Lotte regelt de huur', 'Oma kookt op maandag'])
		addAgreement(henkPhone.doc, text, { createdBy: 'Opa Henk' });
	await waitForConvergence([henkPhone.doc, lottePhone.doc]);

	// The Wi-Fi drops; Henk keeps typing for an hour: 12,000 keys all over the plan.
	henkPhone.provider.disconnect();
	const before = Y.encodeStateVector(lottePhone.doc);
	typeForAnHour(henkPhone.doc, { keys: 12_000 });
	const catchUp = Y.encodeStateAsUpdate(henkPhone.doc, before);
	console.log(`[offline] an hour of typing comes back as one update of ${catchUp.length} bytes`);

	henkPhone.provider.connect();
	await waitForConvergence([henkPhone.doc, lottePhone.doc], 'Lotte receives Henk’s hour');
	expect(deniedReasons(henkPhone.received)).toEqual([]);
	expect(henkPhone.closeEvents.filter((close) => close.code !== 1000 && close.code !== 1005)).toEqual([]);
	await waitUntil(() => henkPhone.provider.wsconnected, 'Henk stays connected');
});
