import { afterAll, beforeAll, expect, it } from 'vitest';
import type postgres from 'postgres';
import { CLOSE } from '$lib/collab/close-codes';
import { addAgreement, agreementTexts } from '../support/edits';
import { databaseOf, kringForThisFile } from '../support/server';
import { changePhase, conferenceWithFamily, handOver } from '../support/steps';
import { waitForClose, waitUntil } from '../support/yjs-client';

/**
 * One instance, two families typing, and a lease read for both conferences in one query
 * (docs/design.md §5.3). What the database says is taken away without any news on the bus (as
 * when a bus message is lost) closes exactly the sockets it concerns, in whichever conference.
 */
const kring = kringForThisFile({ database: 'postgres', env: { KRING_LEASE_MS: '200' } });
let database: postgres.Sql;

beforeAll(async () => {
	database = await databaseOf(kring.server);
});
afterAll(async () => {
	await database?.end({ timeout: 1 });
});

async function typingFamily(names: string[]) {
	const { server, coordinator } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, names);
	await changePhase(coordinator.client, conferenceId, 'information');
	await handOver(coordinator.client, conferenceId, family);
	const phones = family.map((member) => kring.docs.open(member.client, conferenceId, 'plan'));
	await Promise.all(phones.map((phone) => phone.synced));
	return { conferenceId, family, phones };
}

it('a removal and a sign-out that no message announced close only their own sockets, in two conferences at once', async () => {
	const first = await typingFamily(['Moeder Yara', 'Ex-partner Rob']);
	const second = await typingFamily(['Vader Sam', 'Tante Noor']);
	const [yara, rob] = first.phones;
	const [sam, noor] = second.phones;

	// Written straight into the database: nobody publishes the news, so only the lease can find it.
	await database`update participants set status = 'removed' where id = ${first.family[1].participantId}`;
	await database`delete from sessions where participant_id = ${second.family[1].participantId}`;

	expect(await waitForClose(rob.closed, "Rob's socket outlived his removal")).toMatchObject({
		code: CLOSE.removed.code
	});
	expect(await waitForClose(noor.closed, "Noor's socket outlived her session")).toMatchObject({
		code: CLOSE.signedOut.code
	});

	// Both families' other phones go on, each in its own plan.
	addAgreement(yara.doc, 'Yara houdt de sleutel van het huis', { theme: 'housing' });
	addAgreement(sam.doc, 'Sam brengt de kinderen naar school', { theme: 'upbringing' });
	const yaraAgain = kring.docs.open(first.family[0].client, first.conferenceId, 'plan');
	const samAgain = kring.docs.open(second.family[0].client, second.conferenceId, 'plan');
	await waitUntil(() => agreementTexts(yaraAgain.doc).includes('Yara houdt de sleutel van het huis'), "Yara's plan", {
		docs: [yaraAgain.doc]
	});
	await waitUntil(() => agreementTexts(samAgain.doc).includes('Sam brengt de kinderen naar school'), "Sam's plan", {
		docs: [samAgain.doc]
	});
	expect(agreementTexts(samAgain.doc)).not.toContain('Yara houdt de sleutel van het huis');
	expect(yara.closeEvents).toEqual([]);
	expect(sam.closeEvents).toEqual([]);
});
