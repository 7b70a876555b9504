import { expect, it } from 'vitest';
import { Browser, type ActionResult } from '../support/http-client';
import { kringForThisFile } from '../support/server';
import {
	boardData,
	changePhase,
	conferenceWithFamily,
	handOver,
	inviteProfessional,
	joinByLink,
	readyThePlan,
	registerProfessional,
	seenPlan,
	unique
} from '../support/steps';

/**
 * Every step a person can take on the board is a form action, and every one of them asks the
 * rule book. Each is tried here by someone the rule book lets take it and by someone it does
 * not; a refused step changes nothing, and the board never offered it.
 */
const kring = kringForThisFile();

/** A conference with three family members and a registered professional, in preparation. */
async function deVries() {
	const { server, coordinator } = kring;
	const { conferenceId, familyLink, family } = await conferenceWithFamily(server, coordinator.client, [
		'Moeder Anna',
		'Oom Bob',
		'Onbekend toestel'
	]);
	const link = await inviteProfessional(coordinator.client, conferenceId, {
		name: 'Jeugdzorg Pieter',
		email: `${unique('pieter')}@kring.test`
	});
	const pieter = (await registerProfessional(server, link, { name: 'Jeugdzorg Pieter' })).client;
	const [anna, bob, stranger] = family;
	return {
		conferenceId,
		familyLink,
		family,
		carla: coordinator.client,
		pieter,
		anna: anna.client,
		bob: bob.client,
		annaId: anna.participantId,
		stranger
	};
}

const act = async (who: Browser, conferenceId: string, action: string, fields: Record<string, string> = {}) =>
	(await who.action(`/c/${conferenceId}`, action, fields)).action;

function expectAllowed(result: ActionResult | undefined): void {
	expect(result).toMatchObject({ type: 'success' });
}

function expectRefused(result: ActionResult | undefined, error = 'not_allowed', status = 403): void {
	expect(result).toMatchObject({ type: 'failure', status, data: { error } });
}

const board = async (who: Browser, conferenceId: string) => (await boardData(who, conferenceId)).board!;
const offers = async (who: Browser, conferenceId: string) => (await board(who, conferenceId)).actions;

it('before private time only the coordinator edits the question, invites, removes a device and moves the conference on', async () => {
	const { conferenceId, carla, pieter, anna, stranger } = await deVries();

	// The question: the family and the professional cannot change it; the coordinator can.
	expect(await offers(anna, conferenceId)).not.toContain('edit_question');
	expectRefused(await act(anna, conferenceId, 'question', { question: 'Wat de familie er zelf van maakt' }));
	expectRefused(await act(pieter, conferenceId, 'question', { question: 'Wat jeugdzorg er van maakt' }));
	expect((await board(carla, conferenceId)).conference.question).toBe(
		'Hoe zorgen we ervoor dat Noor veilig thuis kan blijven wonen?'
	);
	expect(await offers(carla, conferenceId)).toContain('edit_question');
	expectAllowed(await act(carla, conferenceId, 'question', { question: 'Hoe blijft Noor veilig thuis wonen?' }));
	expect((await board(anna, conferenceId)).conference.question).toBe('Hoe blijft Noor veilig thuis wonen?');

	// Invites are the coordinator's.
	const professional = { name: 'Reclassering Ruud', email: `${unique('ruud')}@kring.test` };
	expectRefused(await act(anna, conferenceId, 'familyInvite'));
	expectRefused(await act(pieter, conferenceId, 'familyInvite'));
	expectRefused(await act(anna, conferenceId, 'professionalInvite', professional));
	expectRefused(await act(pieter, conferenceId, 'professionalInvite', professional));
	expect(await offers(carla, conferenceId)).toContain('create_invite');
	expectAllowed(await act(carla, conferenceId, 'familyInvite'));
	expectAllowed(await act(carla, conferenceId, 'professionalInvite', professional));

	// Only the coordinator starts the information part.
	expectRefused(await act(pieter, conferenceId, 'phase', { to: 'information' }), 'phase_change_not_allowed');
	expectRefused(await act(anna, conferenceId, 'phase', { to: 'information' }), 'phase_change_not_allowed');
	expect((await board(carla, conferenceId)).transitions).toEqual(['information']);
	expectAllowed(await act(carla, conferenceId, 'phase', { to: 'information' }));

	// The coordinator is with the family: she may send away a device nobody knows; the professional may not.
	expectRefused(await act(pieter, conferenceId, 'remove', { participantId: stranger.participantId }));
	expect((await board(anna, conferenceId)).participants.map((p) => p.name)).toContain('Onbekend toestel');
	expectAllowed(await act(carla, conferenceId, 'remove', { participantId: stranger.participantId }));
	expect((await board(anna, conferenceId)).participants.map((p) => p.name)).not.toContain('Onbekend toestel');

	// Handing over is the coordinator's, too.
	expectRefused(await act(anna, conferenceId, 'phase', { to: 'private' }), 'phase_change_not_allowed');
	expectRefused(await act(pieter, conferenceId, 'phase', { to: 'private' }), 'phase_change_not_allowed');
	expectAllowed(await act(carla, conferenceId, 'phase', { to: 'private' }));
	expect((await board(carla, conferenceId)).conference.phase).toBe('private');
});

it('in private time only the coordinator knocks, and only the family confirms its circle, answers, opens the door and removes devices', async () => {
	const { conferenceId, familyLink, carla, pieter, anna, bob, annaId, stranger } = await deVries();
	await changePhase(carla, conferenceId, 'information');
	await changePhase(carla, conferenceId, 'private');

	// The family confirms its circle: not staff, and no device itself; any other family device.
	expect((await boardData(anna, conferenceId)).member.status).toBe('unconfirmed');
	expectRefused(await act(carla, conferenceId, 'confirm', { participantId: annaId }));
	expectRefused(await act(pieter, conferenceId, 'confirm', { participantId: annaId }));
	expectRefused(
		await act(anna, conferenceId, 'confirm', { participantId: annaId, alone: 'yes' }),
		'cannot_confirm_self'
	);
	expectRefused(await act(anna, conferenceId, 'answerKnock', { answer: 'need_more_time' }));
	expect((await boardData(anna, conferenceId)).member.status).toBe('unconfirmed');
	expectAllowed(await act(bob, conferenceId, 'confirm', { participantId: annaId }));
	expect(await offers(anna, conferenceId)).toContain('confirm_device');
	expectAllowed(await act(anna, conferenceId, 'confirm', { all: 'yes' }));
	expect((await boardData(bob, conferenceId)).member.status).toBe('active');
	expect((await boardData(stranger.client, conferenceId)).member.status).toBe('active');

	// Knocking: the coordinator may, the professional and the family may not.
	expect(await offers(pieter, conferenceId)).not.toContain('knock');
	expectRefused(await act(pieter, conferenceId, 'knock'));
	expectRefused(await act(anna, conferenceId, 'knock'));
	expect((await board(anna, conferenceId)).conference.knocked).toBe(false);
	expect(await offers(carla, conferenceId)).toContain('knock');
	expectAllowed(await act(carla, conferenceId, 'knock'));
	expect((await board(anna, conferenceId)).conference.knocked).toBe(true);

	// Answering: the family's; the coordinator cannot answer her own knock.
	expectRefused(await act(carla, conferenceId, 'answerKnock', { answer: 'need_more_time' }));
	expect((await board(anna, conferenceId)).conference.knocked).toBe(true);
	expect(await offers(anna, conferenceId)).toContain('answer_knock');
	expectAllowed(await act(anna, conferenceId, 'answerKnock', { answer: 'need_more_time' }));
	expect((await board(anna, conferenceId)).conference.knocked).toBe(false);

	// The door: a new device waits, and only the family decides.
	const neighbour = await joinByLink(kring.server, familyLink, 'Buurvrouw Els');
	expect(neighbour.status).toBe('waiting');
	expect((await board(carla, conferenceId)).waiting).toEqual([]);
	expectRefused(await act(carla, conferenceId, 'door', { participantId: neighbour.participantId, decision: 'admit' }));
	expectRefused(await act(pieter, conferenceId, 'door', { participantId: neighbour.participantId, decision: 'admit' }));
	expect((await board(bob, conferenceId)).waiting.map((w) => w.name)).toEqual(['Buurvrouw Els']);
	expect(await offers(bob, conferenceId)).toContain('decide_at_door');
	expectAllowed(await act(bob, conferenceId, 'door', { participantId: neighbour.participantId, decision: 'admit' }));
	expect((await boardData(neighbour.client, conferenceId)).member.status).toBe('active');

	// Removing a device: no longer the coordinator's once the family is alone; the family's always.
	expect(await offers(carla, conferenceId)).not.toContain('remove_device');
	expectRefused(await act(carla, conferenceId, 'remove', { participantId: stranger.participantId }));
	expect((await board(anna, conferenceId)).participants.map((p) => p.name)).toContain('Onbekend toestel');
	expectAllowed(await act(anna, conferenceId, 'remove', { participantId: stranger.participantId }));
	expect((await board(anna, conferenceId)).participants.map((p) => p.name)).not.toContain('Onbekend toestel');

	// Anna's next removal is a request that only another family device answers.
	expect(await act(anna, conferenceId, 'remove', { participantId: neighbour.participantId })).toMatchObject({
		type: 'success',
		data: { done: 'removal_requested' }
	});
	const answer = { participantId: neighbour.participantId, answer: 'agree' };
	expectRefused(await act(carla, conferenceId, 'answerRemoval', answer));
	expectRefused(await act(pieter, conferenceId, 'answerRemoval', answer));
	expectRefused(await act(anna, conferenceId, 'answerRemoval', answer));
	expect(await offers(bob, conferenceId)).toContain('answer_removal');
	expectAllowed(await act(bob, conferenceId, 'answerRemoval', { ...answer, answer: 'disagree' }));
	expect((await boardData(neighbour.client, conferenceId)).member.status).toBe('active');

	// The question is fixed once the family is alone.
	expectRefused(await act(carla, conferenceId, 'question', { question: 'Een andere vraag' }));

	// Only the family ends its private time: "we are coming" after a knock does it in one tap.
	expectRefused(await act(carla, conferenceId, 'phase', { to: 'presentation' }), 'phase_change_not_allowed');
	expectRefused(await act(pieter, conferenceId, 'phase', { to: 'presentation' }), 'phase_change_not_allowed');
	expectAllowed(await act(carla, conferenceId, 'knock'));
	await readyThePlan(bob, conferenceId);
	expectAllowed(await act(bob, conferenceId, 'answerKnock', { answer: 'coming' }));
	expect((await board(carla, conferenceId)).conference.phase).toBe('presentation');
});

it('at the presentation the family may go back, the professional accepts, the coordinator closes, and a closed conference takes no invites', async () => {
	const { conferenceId, familyLink, family, carla, pieter, anna } = await deVries();
	await changePhase(carla, conferenceId, 'information');
	await handOver(carla, conferenceId, family);
	await changePhase(anna, conferenceId, 'presentation');

	// Going back to private time is the family's choice alone.
	expectRefused(await act(pieter, conferenceId, 'phase', { to: 'private' }), 'phase_change_not_allowed');
	expectRefused(await act(carla, conferenceId, 'phase', { to: 'private' }), 'phase_change_not_allowed');
	expectAllowed(await act(anna, conferenceId, 'phase', { to: 'private' }));
	expectAllowed(await act(anna, conferenceId, 'phase', { to: 'presentation' }));

	// Accepting: not the family's own plan, and only through acceptance, which freezes a version.
	expect(await offers(anna, conferenceId)).not.toContain('accept');
	expectRefused(await act(anna, conferenceId, 'accept', { conditions: '' }), 'phase_change_not_allowed');
	expectRefused(await act(pieter, conferenceId, 'phase', { to: 'accepted' }), 'use_accept', 400);
	expect((await board(anna, conferenceId)).conference.phase).toBe('presentation');
	expect(await offers(pieter, conferenceId)).toContain('accept');
	const seen = await seenPlan(pieter, conferenceId);
	expect(await act(pieter, conferenceId, 'accept', { conditions: 'Evaluatie na drie maanden', seen })).toMatchObject({
		type: 'success',
		data: { version: 1 }
	});
	expectRefused(await act(carla, conferenceId, 'accept', { conditions: '' }), 'phase_change_not_allowed');

	// After acceptance the coordinator still invites; then only she closes the conference.
	expectAllowed(await act(carla, conferenceId, 'familyInvite'));
	expectRefused(await act(pieter, conferenceId, 'phase', { to: 'closed' }), 'phase_change_not_allowed');
	expectRefused(await act(anna, conferenceId, 'phase', { to: 'closed' }), 'phase_change_not_allowed');
	expectAllowed(await act(carla, conferenceId, 'phase', { to: 'closed' }));

	// Closed: the coordinator's task is over, she invites nobody any more and no link lets anyone in.
	const professional = { name: 'Reclassering Ruud', email: `${unique('ruud')}@kring.test` };
	expectRefused(await act(carla, conferenceId, 'familyInvite'));
	expectRefused(await act(carla, conferenceId, 'professionalInvite', professional));
	expect((await board(carla, conferenceId)).invite).toBeNull();
	expect(await offers(carla, conferenceId)).not.toContain('create_invite');
	const lateDevice = new Browser(kring.server);
	expectRefused(
		(await lateDevice.action(new URL(familyLink).pathname, 'default', { displayName: 'Laatkomer', presence: 'room' }))
			.action,
		'room_code_unknown',
		404
	);
	expect((await board(anna, conferenceId)).accepted?.version).toBe(1);
});

it('the coordinator sets how long the conference is kept; the family erases it once its plan is accepted, the coordinator once it is closed, the professional never', async () => {
	const { conferenceId, family, carla, pieter, anna } = await deVries();

	// How many days after closing everything is erased: the coordinator's choice, from 1 to 365.
	expectRefused(await act(anna, conferenceId, 'retention', { days: '1' }));
	expectRefused(await act(pieter, conferenceId, 'retention', { days: '365' }));
	for (const days of ['0', '366', 'soon', ''])
		expectRefused(await act(carla, conferenceId, 'retention', { days }), 'retention_invalid', 400);
	expect(await offers(carla, conferenceId)).toContain('set_retention');
	expectAllowed(await act(carla, conferenceId, 'retention', { days: '30' }));
	expect((await board(anna, conferenceId)).retention).toEqual({
		days: 30,
		unfinishedDays: 365,
		erasesOn: null,
		latest: false
	});

	// Nobody erases a conference that is still going on.
	for (const who of [anna, carla, pieter]) {
		expect(await offers(who, conferenceId)).not.toContain('erase');
		expectRefused(await act(who, conferenceId, 'erase', { confirm: 'yes' }));
	}
	await changePhase(carla, conferenceId, 'information');
	await handOver(carla, conferenceId, family);
	expectRefused(await act(anna, conferenceId, 'erase', { confirm: 'yes' }));
	await changePhase(anna, conferenceId, 'presentation');
	expectRefused(await act(anna, conferenceId, 'erase', { confirm: 'yes' }));
	expectAllowed(
		await act(pieter, conferenceId, 'accept', { conditions: '', seen: await seenPlan(pieter, conferenceId) })
	);

	// Accepted: the plan is the family's to erase; not yet the coordinator's, never the professional's.
	expect(await offers(anna, conferenceId)).toContain('erase');
	expectRefused(await act(carla, conferenceId, 'erase', { confirm: 'yes' }));
	expectRefused(await act(pieter, conferenceId, 'erase', { confirm: 'yes' }));
	const accepted = (await board(anna, conferenceId)).retention;
	expect(accepted.latest).toBe(true);
	await changePhase(carla, conferenceId, 'closed');
	expectRefused(await act(pieter, conferenceId, 'erase', { confirm: 'yes' }));
	const closed = (await board(pieter, conferenceId)).retention;
	expect(closed.latest).toBe(false);
	expect(new Date(closed.erasesOn!).getTime()).toBeLessThan(new Date(accepted.erasesOn!).getTime());
	expect(await offers(carla, conferenceId)).toContain('erase');
	expect(await act(carla, conferenceId, 'erase', { confirm: 'yes' })).toEqual({
		type: 'redirect',
		status: 303,
		location: '/staff?erased=1'
	});
	for (const who of [anna, carla, pieter]) expect((await who.pageData(`/c/${conferenceId}`)).status).toBe(404);
});
