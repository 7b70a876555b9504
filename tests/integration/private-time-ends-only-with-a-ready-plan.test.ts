import { expect, it } from 'vitest';
import { metaText } from '../../src/lib/plan/shape';
import { addAgreement, setField } from '../support/edits';
import { expectAction, type Reply } from '../support/http-client';
import { kringForThisFile } from '../support/server';
import { boardData, changePhase, conferenceWithFamily, daysFromToday, handOver } from '../support/steps';
import { waitUntil } from '../support/yjs-client';

const kring = kringForThisFile();
const board = async (who: Parameters<typeof boardData>[0], id: string) => (await boardData(who, id)).board!;

/** What the server says is missing when it refuses, as the family's board receives it. */
function missingIn(reply: Reply): unknown {
	expect(reply.action?.type, reply.text.slice(0, 200)).toBe('failure');
	expect(reply.action?.data?.error).toBe('plan_not_ready');
	return reply.action?.data?.missing;
}

it('the family cannot end private time, by "Wij zijn klaar" or by "we are coming", until the stored plan is ready', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Moeder Sanne', 'Opa Henk']);
	const [sanne, henk] = family;
	await changePhase(coordinator.client, conferenceId, 'information');
	await handOver(coordinator.client, conferenceId, family);
	const path = `/c/${conferenceId}`;
	const ready = () => sanne.client.action(path, 'phase', { to: 'presentation' });

	// An empty plan: everything it lacks is named, and nothing moves.
	expect(missingIn(await ready())).toEqual(['agreement', 'evaluation', 'contingency']);

	// The coordinator knocks; "we are coming" meets the same check, and the knock still stands.
	expectAction(await coordinator.client.action(path, 'knock'), 'success');
	expect(missingIn(await henk.client.action(path, 'answerKnock', { answer: 'coming' }))).toEqual([
		'agreement',
		'evaluation',
		'contingency'
	]);
	const after = await board(sanne.client, conferenceId);
	expect(after.conference.phase).toBe('private');
	expect(after.conference.knocked).toBe(true);

	// What a phone posts alongside does not count: only the stored plan does.
	const claimed = await sanne.client.action(path, 'phase', {
		to: 'presentation',
		evaluation: daysFromToday(30),
		contingency: 'Bellen',
		agreements: '1'
	});
	expect(missingIn(claimed)).toEqual(['agreement', 'evaluation', 'contingency']);

	// The family writes an agreement, a date that is already past, free text for "what if".
	const phone = docs.open(henk.client, conferenceId, 'plan');
	await phone.synced;
	addAgreement(phone.doc, 'Opa Henk brengt Johan naar school.', { who: ['Opa Henk'] });
	setField(phone.doc, 'evaluation', daysFromToday(-1));
	setField(phone.doc, 'contingency', 'Dan belt Sanne tante Els.');
	await waitUntil(
		async () => JSON.stringify(missingIn(await ready())) === '["evaluation_not_after_today"]',
		'the server to name only the past evaluation date'
	);

	// Today is not after today either; free text is no date at all.
	const evaluation = metaText(phone.doc, 'evaluation');
	phone.doc.transact(() => {
		evaluation.delete(0, evaluation.length);
		evaluation.insert(0, 'over zes weken');
	});
	await waitUntil(
		async () => JSON.stringify(missingIn(await ready())) === '["evaluation"]',
		'the server to refuse free text for a date'
	);

	// A date after today: "we are coming" now ends private time (the agreement lacks "when": it
	// is not yet concrete, which the board shows but does not block).
	phone.doc.transact(() => {
		evaluation.delete(0, evaluation.length);
		evaluation.insert(0, daysFromToday(1));
	});
	await waitUntil(
		async () => (await henk.client.action(path, 'answerKnock', { answer: 'coming' })).action?.type === 'success',
		'"we are coming" to be taken'
	);
	expect((await board(coordinator.client, conferenceId)).conference.phase).toBe('presentation');
});
