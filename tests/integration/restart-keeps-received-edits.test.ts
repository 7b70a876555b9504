import * as Y from 'yjs';
import { expect, it } from 'vitest';
import { conferenceWithFamily } from '../support/steps';
import { kringForThisFile } from '../support/server';
import { addAgreement, agreementTexts, fieldText, typeInto } from '../support/edits';
import { metaText } from '../../src/lib/plan/shape';
import { includesState, waitForClose, waitForConvergence, waitUntil } from '../support/yjs-client';

// Compaction every 25 updates, so the kill can also land while the update log is being folded.
const kring = kringForThisFile({ env: { KRING_COMPACT_AFTER: '25' } });

it('after the server is killed mid-typing and started again, every edit another phone had received is still there', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Opa Henk', 'Zus Lotte']);
	const [henk, lotte] = family;
	const writer = docs.open(henk.client, conferenceId, 'plan');
	const reader = docs.open(lotte.client, conferenceId, 'plan');
	await Promise.all([writer.synced, reader.synced]);

	addAgreement(writer.doc, 'Henk brengt Noor naar voetbal', { theme: 'contact' });
	addAgreement(writer.doc, 'Lotte regelt de huur met de woningcorporatie', { theme: 'housing' });
	metaText(writer.doc, 'contingency').insert(0, 'Als het niet lukt: ');
	await waitUntil(() => fieldText(reader.doc, 'contingency').length > 0, 'Lotte sees the contingency field', {
		docs: [reader.doc]
	});

	// Henk keeps typing, one change per key; the server is killed while his changes stream in.
	let typing = true;
	const sentence = 'dan belt Henk de coordinator en komt de familie binnen een week opnieuw bij elkaar. '.repeat(6);
	const keys = (async () => {
		for (const char of sentence) {
			if (!typing) break;
			await typeInto(writer.doc, 'contingency', char, { pauseEvery: 1 });
		}
	})();
	await waitUntil(() => fieldText(reader.doc, 'contingency').length > 120, 'Lotte receives Henk’s typing', {
		docs: [reader.doc]
	});
	await server.kill();
	typing = false;
	await keys;
	await waitForClose(reader.closed, 'Lotte’s phone notices the server is gone');

	// What Lotte's phone holds now is what the server had sent out before it died.
	const received = new Y.Doc();
	Y.applyUpdate(received, Y.encodeStateAsUpdate(reader.doc));
	const receivedText = fieldText(received, 'contingency');
	console.log(
		`[restart] Lotte had received ${receivedText.length} characters when the server was killed; Henk had typed ${fieldText(writer.doc, 'contingency').length}`
	);
	writer.destroy();
	reader.destroy();

	await server.restart();
	// A phone that was never connected before asks the restarted server for the plan.
	const fresh = docs.open(lotte.client, conferenceId, 'plan');
	await fresh.synced;
	expect(includesState(fresh.doc, received)).toBe(true);
	expect(agreementTexts(fresh.doc)).toEqual([
		'Henk brengt Noor naar voetbal',
		'Lotte regelt de huur met de woningcorporatie'
	]);
	expect(fieldText(fresh.doc, 'contingency').startsWith(receivedText)).toBe(true);
});

it('a phone that kept editing while the server was down sends those edits when it is back', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Buurvrouw Ans']);
	const [ans] = family;
	const phone = docs.open(ans.client, conferenceId, 'plan');
	await phone.synced;
	addAgreement(phone.doc, 'Ans kijkt na school even binnen', { theme: 'upbringing' });
	const witness = docs.open(ans.client, conferenceId, 'plan');
	await waitForConvergence([phone.doc, witness.doc]);
	witness.destroy();

	await server.kill();
	await waitForClose(phone.closed, 'Ans’s phone notices the server is gone');
	// Offline: the phone keeps what Ans writes.
	addAgreement(phone.doc, 'Ans belt de school als Noor er niet is', { theme: 'school' });
	await server.restart();

	// The provider reconnects by itself (same address) and sends what the server lacks.
	const check = docs.open(ans.client, conferenceId, 'plan');
	await waitUntil(
		() => agreementTexts(check.doc).length === 2,
		'the offline edit reaches the server after the restart',
		{ docs: [check.doc] }
	);
	expect(agreementTexts(check.doc)).toEqual([
		'Ans kijkt na school even binnen',
		'Ans belt de school als Noor er niet is'
	]);
	await waitForConvergence([phone.doc, check.doc]);
});
