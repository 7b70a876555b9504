import { expect, it } from 'vitest';
import { planAgreements } from '../../src/lib/plan/shape';
import { addAgreement, agreementTexts } from '../support/edits';
import { expectAction, type Browser } from '../support/http-client';
import { kringForThisFile } from '../support/server';
import {
	boardData,
	changePhase,
	conferenceWithFamily,
	handOver,
	inviteProfessional,
	registerProfessional,
	seenPlan,
	unique
} from '../support/steps';
import { waitUntil } from '../support/yjs-client';

/**
 * docs/design.md §7: with professionals in the conference, each of them accepts the presented
 * plan, or puts a question on a card with a reason; the family sees it on the card and amends;
 * the plan is accepted (frozen) once every professional has accepted, with all their conditions.
 * The coordinator does not accept over their heads.
 */
const kring = kringForThisFile();
const REASON = 'WAAROM-VRAAG: wie haalt Noor op als oma ziek is?';

async function professional(conferenceId: string, name: string): Promise<Browser> {
	const link = await inviteProfessional(kring.coordinator.client, conferenceId, {
		name,
		email: `${unique('pro')}@kring.test`
	});
	return (await registerProfessional(kring.server, link, { name })).client;
}

const act = async (who: Browser, conferenceId: string, action: string, fields: Record<string, string> = {}) =>
	(await who.action(`/c/${conferenceId}`, action, fields)).action;
const board = async (who: Browser, conferenceId: string) => (await boardData(who, conferenceId)).board!;

it('two professionals: one questions a card, the family sees it; the plan is accepted once both have accepted', async () => {
	const { server, coordinator, docs } = kring;
	const carla = coordinator.client;
	const { conferenceId, family } = await conferenceWithFamily(server, carla, ['Moeder']);
	const [moeder] = family;
	const pia = await professional(conferenceId, 'Jeugdzorg Pia');
	const ruud = await professional(conferenceId, 'Reclassering Ruud');
	await changePhase(carla, conferenceId, 'information');
	await handOver(carla, conferenceId, family);
	const plan = docs.open(moeder.client, conferenceId, 'plan');
	await plan.synced;
	const agreementId = addAgreement(plan.doc, 'Oma haalt Noor op van school', { theme: 'school' });
	const check = docs.open(moeder.client, conferenceId, 'plan');
	await waitUntil(() => agreementTexts(check.doc).length === 1, 'the agreement is stored', { docs: [check.doc] });
	await changePhase(moeder.client, conferenceId, 'presentation');

	// Only professionals question cards; a question needs its reason and a card that exists.
	expect(await act(moeder.client, conferenceId, 'questionCard', { agreementId, reason: 'x' })).toMatchObject({
		type: 'failure',
		status: 403
	});
	expect(await act(carla, conferenceId, 'questionCard', { agreementId, reason: 'x' })).toMatchObject({
		type: 'failure',
		status: 403
	});
	expect(await act(pia, conferenceId, 'questionCard', { agreementId, reason: '  ' })).toMatchObject({
		type: 'failure',
		data: { error: 'reason_required' }
	});
	expect(await act(pia, conferenceId, 'questionCard', { agreementId: 'no-such-card', reason: 'x' })).toMatchObject({
		type: 'failure',
		status: 404
	});

	// The coordinator does not accept when professionals take part; she is not offered to.
	expect(await act(carla, conferenceId, 'accept', { conditions: '' })).toMatchObject({
		type: 'failure',
		data: { error: 'accepted_by_professionals' }
	});
	expect((await board(carla, conferenceId)).transitions).not.toContain('accepted');
	expect((await board(pia, conferenceId)).actions).toContain('question_card');

	// Pia puts a question on the card; the family sees it on that card, with her name and reason.
	expectAction(await pia.action(`/c/${conferenceId}`, 'questionCard', { agreementId, reason: REASON }), 'success');
	expect((await board(moeder.client, conferenceId)).questions).toEqual([
		expect.objectContaining({ agreementId, by: 'Jeugdzorg Pia', reason: REASON, mine: false })
	]);
	// The log says that a card was questioned, never what was asked.
	const log = (await board(moeder.client, conferenceId)).audit;
	expect(log.find((entry) => entry.action === 'card.questioned')).toMatchObject({ actor: 'Jeugdzorg Pia' });
	expect(JSON.stringify(log)).not.toContain('WAAROM-VRAAG');

	// Ruud accepts first, with a condition: not yet accepted, Pia has not.
	const firstRead = await seenPlan(ruud, conferenceId);
	expect(await act(ruud, conferenceId, 'accept', { conditions: 'Meldplicht blijft', seen: firstRead })).toMatchObject({
		type: 'success',
		data: { done: 'acceptance_given' }
	});
	const waiting = await board(moeder.client, conferenceId);
	expect(waiting.conference.phase).toBe('presentation');
	expect(waiting.acceptances).toEqual([
		{ name: 'Jeugdzorg Pia', accepted: false, outdated: false, me: false },
		{ name: 'Reclassering Ruud', accepted: true, outdated: false, me: false }
	]);

	// The family answers Pia's question with a new card. Ruud accepted the plan without it.
	addAgreement(plan.doc, 'Opa haalt Noor op als oma ziek is', { theme: 'school' });
	await waitUntil(() => agreementTexts(check.doc).length === 2, 'the amendment is stored', { docs: [check.doc] });

	// Pia accepts the amended plan: it is not frozen, Ruud's acceptance was of the plan before.
	expect(
		await act(pia, conferenceId, 'accept', {
			conditions: 'Evaluatie na zes weken',
			seen: await seenPlan(pia, conferenceId)
		})
	).toMatchObject({ type: 'success', data: { done: 'acceptance_given' } });
	expect((await board(moeder.client, conferenceId)).acceptances).toEqual([
		{ name: 'Jeugdzorg Pia', accepted: true, outdated: false, me: false },
		{ name: 'Reclassering Ruud', accepted: false, outdated: true, me: false }
	]);

	// Ruud's board, still on what he first read, cannot accept words he has not seen.
	expect(await act(ruud, conferenceId, 'accept', { conditions: 'Meldplicht blijft', seen: firstRead })).toMatchObject({
		type: 'failure',
		status: 409,
		data: { error: 'plan_changed' }
	});
	expect((await board(moeder.client, conferenceId)).conference.phase).toBe('presentation');

	// He reads the amended plan and accepts it: the plan is frozen with both conditions and the amendment.
	expect(
		await act(ruud, conferenceId, 'accept', {
			conditions: 'Meldplicht blijft',
			seen: await seenPlan(ruud, conferenceId)
		})
	).toMatchObject({ type: 'success', data: { done: 'accepted', version: 1 } });
	const accepted = await board(moeder.client, conferenceId);
	expect(accepted.conference.phase).toBe('accepted');
	expect(accepted.accepted).toMatchObject({
		acceptedBy: 'Jeugdzorg Pia, Reclassering Ruud',
		conditions: 'Jeugdzorg Pia: Evaluatie na zes weken\n\nReclassering Ruud: Meldplicht blijft'
	});
	expect(JSON.stringify(accepted.accepted)).toContain('Opa haalt Noor op als oma ziek is');
	expect(accepted.questions).toEqual([]);
});

it('with no professional in the conference, the coordinator records the family’s plan as accepted', async () => {
	const { server, coordinator } = kring;
	const carla = coordinator.client;
	const { conferenceId, family } = await conferenceWithFamily(server, carla, ['Vader']);
	await changePhase(carla, conferenceId, 'information');
	await handOver(carla, conferenceId, family);
	await changePhase(family[0].client, conferenceId, 'presentation');
	expect((await board(carla, conferenceId)).transitions).toContain('accepted');
	expect(
		await act(carla, conferenceId, 'accept', { conditions: '', seen: await seenPlan(carla, conferenceId) })
	).toMatchObject({
		type: 'success',
		data: { done: 'accepted', version: 1 }
	});
});

it('a plan whose cards the family binned while presenting cannot be accepted: the professional hears what is missing', async () => {
	const { server, coordinator, docs } = kring;
	const carla = coordinator.client;
	const { conferenceId, family } = await conferenceWithFamily(server, carla, ['Zoon']);
	const [zoon] = family;
	const pia = await professional(conferenceId, 'Jeugdzorg Pia');
	await changePhase(carla, conferenceId, 'information');
	await handOver(carla, conferenceId, family);
	await changePhase(zoon.client, conferenceId, 'presentation');

	// While presenting, the family bins every card it has.
	const plan = docs.open(zoon.client, conferenceId, 'plan');
	await plan.synced;
	plan.doc.transact(() => {
		for (const card of planAgreements(plan.doc)) {
			card.set('deletedBy', 'Zoon');
			card.set('deletedAt', new Date().toISOString());
		}
	});
	const check = docs.open(pia, conferenceId, 'plan');
	await waitUntil(() => agreementTexts(check.doc).length === 0, 'the binned cards are stored', { docs: [check.doc] });

	expect(
		await act(pia, conferenceId, 'accept', { conditions: '', seen: await seenPlan(pia, conferenceId) })
	).toMatchObject({
		type: 'failure',
		status: 409,
		data: { error: 'plan_not_ready', missing: ['agreement'] }
	});
	expect((await board(zoon.client, conferenceId)).conference.phase).toBe('presentation');
});
