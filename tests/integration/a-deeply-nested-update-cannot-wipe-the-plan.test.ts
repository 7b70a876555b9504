import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { CLOSE } from '$lib/collab/close-codes';
import { agreementsOf } from '$lib/plan/shape';
import { conferenceWithFamily } from '../support/steps';
import { deletionUpdate, nestedArrayUpdate, strangerId, syncUpdateMessage } from '../support/hostile-updates';
import { kringForThisFile } from '../support/server';
import { addAgreement, agreementTexts, fieldText, typeInto } from '../support/edits';
import { openRawSocket } from '../support/raw-socket';
import { deniedReasons, waitForClose, waitForConvergence, waitUntil } from '../support/yjs-client';

// Every stored update is folded into the snapshot at once, as compaction does after 500.
const kring = kringForThisFile({ env: { KRING_COMPACT_AFTER: '1' } });

it('an admitted family member’s array nested 5,500 deep is refused, and the plan loads whole after a cold restart', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Anna', 'Bob', 'Mallory']);
	const [anna, bob, mallory] = family;
	const annaPhone = docs.open(anna.client, conferenceId, 'plan');
	const bobPhone = docs.open(bob.client, conferenceId, 'plan');
	await Promise.all([annaPhone.synced, bobPhone.synced]);
	addAgreement(annaPhone.doc, 'Oma haalt Noor op woensdag', { theme: 'upbringing', createdBy: 'Anna' });
	await typeInto(annaPhone.doc, 'contingency', 'Als het niet lukt, bellen we oom Kees.');
	await waitForConvergence([annaPhone.doc, bobPhone.doc]);

	// Mallory's script first warms the server's decoder up with shallow nested arrays and takes
	// them away again (a warm process decodes deeper than a cold one), then pushes one array
	// nested 5,500 deep (11 KB) into the agreements.
	const warmUp = await openRawSocket(mallory.client, conferenceId, 'plan');
	const warmUpClients = Array.from({ length: 30 }, (_, i) => strangerId(i));
	for (const client of warmUpClients) warmUp.send(syncUpdateMessage(nestedArrayUpdate(200, { client })));
	warmUp.send(syncUpdateMessage(deletionUpdate(warmUpClients.map((client) => ({ client, clock: 0, length: 1 })))));
	const warmUpClosed = await waitForClose(warmUp.closed, 'the server closes the socket that sent a nested array');
	expect(warmUpClosed.code).toBe(CLOSE.refused.code);
	expect(deniedReasons(warmUp.messages)).toEqual(['refused: too-deep']);

	const deep = await openRawSocket(mallory.client, conferenceId, 'plan');
	deep.send(syncUpdateMessage(nestedArrayUpdate(5_500, { client: strangerId(100) })));
	expect((await waitForClose(deep.closed, 'the server closes the socket that sent 5,500 levels')).code).toBe(
		CLOSE.refused.code
	);
	expect(deniedReasons(deep.messages)).toEqual(['refused: too-deep']);

	// Nobody else saw anything of it, and a keystroke still goes round at once.
	await typeInto(annaPhone.doc, 'contingency', ' Of tante Els.');
	await waitUntil(
		() => fieldText(bobPhone.doc, 'contingency').endsWith('Of tante Els.'),
		'Bob receives Anna’s keystrokes',
		{ docs: [bobPhone.doc] }
	);
	expect(annaPhone.closeEvents).toEqual([]);
	expect(bobPhone.closeEvents).toEqual([]);
	expect(
		agreementsOf(bobPhone.doc)
			.toArray()
			.every((agreement) => agreement instanceof Y.Map)
	).toBe(true);
	expect(agreementsOf(bobPhone.doc).length).toBe(1);

	// Cold: a new process reads the snapshot the refused update never reached.
	annaPhone.destroy();
	bobPhone.destroy();
	await server.restart();
	const fresh = docs.open(bob.client, conferenceId, 'plan');
	await fresh.synced;
	expect(agreementTexts(fresh.doc)).toEqual(['Oma haalt Noor op woensdag']);
	expect(fieldText(fresh.doc, 'contingency')).toBe('Als het niet lukt, bellen we oom Kees. Of tante Els.');
	expect(server.logs()).not.toContain('is not opened');
	expect(server.logs()).not.toContain('Oma haalt Noor');
});
