import { fail, redirect } from '@sveltejs/kit';
import { isPhase } from '$lib/conference/phases';
import { acceptPlan } from '$lib/server/acceptance';
import { loadBoard, loadCircle } from '$lib/server/board';
import { MAX_REASON_LENGTH, questionCard } from '$lib/server/card-questions';
import { updateQuestion } from '$lib/server/conferences';
import { answerRemoval, confirmAllOthers, confirmDevice, decideAtDoor, removeParticipant } from '$lib/server/door';
import { failWith, formText } from '$lib/server/forms';
import { createFamilyInvite, createProfessionalInvite } from '$lib/server/invites';
import { memberCan, requireMember, type Member } from '$lib/server/members';
import { answerKnock, changePhase, knock } from '$lib/server/phase-changes';
import { eraseOnRequest, setRetention } from '$lib/server/retention';
import { startEvaluation } from '$lib/server/evaluation';
import { setEvaluationDate, tickAgreement } from '$lib/server/follow-up';
import { makePlanLink, revokePlanLink } from '$lib/server/plan-links';
import { deleteSessionCookie, invalidateSession } from '$lib/server/sessions';
import { phoneOrigin } from '$lib/server/room-address';
import { config } from '$lib/server/config';
import { isEmail } from '$lib/server/users';
import type { Actions, PageServerLoad, RequestEvent } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const member = await requireMember(locals, params.id);
	// At the door, or not yet confirmed after the hand-over: nothing of the board, only the circle to confirm.
	if (member.status === 'waiting' || member.status === 'unconfirmed') {
		const circle = memberCan(member, 'confirm_device') ? await loadCircle(member) : null;
		return { waiting: true as const, title: member.conference.title, circle };
	}
	const identity = locals.identity;
	// On a device that is not theirs (a prison visit room's tablet) nothing is kept in the browser.
	const sharedDevice = identity?.kind === 'family' && identity.sharedDevice;
	return { waiting: false as const, board: await loadBoard(member, url), sharedDevice };
};

/**
 * Runs one action as the member behind the request: find the member (or 404), read the form,
 * call the service; an error a user can meet becomes a form failure with its message key.
 */
async function asMember<T>(
	event: RequestEvent,
	run: (member: Member, form: FormData) => Promise<T>
): Promise<T | ReturnType<typeof failWith>> {
	const member = await requireMember(event.locals, event.params.id ?? '');
	const form = await event.request.formData();
	try {
		return await run(member, form);
	} catch (e) {
		return failWith(e, { name: formText(form, 'name', 100), email: formText(form, 'email', 254) });
	}
}

/** Each action: one service function, one answer. */
export const actions: Actions = {
	phase: (event) =>
		asMember(event, async (member, form) => {
			const to = formText(form, 'to', 20);
			if (!isPhase(to)) return fail(400, { error: 'not_allowed', values: {} });
			await changePhase(member, to);
			return { done: 'phase' };
		}),
	accept: (event) =>
		asMember(event, async (member, form) => {
			const result = await acceptPlan(member, formText(form, 'conditions', 4000), formText(form, 'seen', 64));
			return result.accepted ? { done: 'accepted', version: result.version } : { done: 'acceptance_given' };
		}),
	questionCard: (event) =>
		asMember(event, async (member, form) => {
			await questionCard(member, formText(form, 'agreementId', 64), formText(form, 'reason', MAX_REASON_LENGTH));
			return { done: 'questionCard' };
		}),
	knock: (event) =>
		asMember(event, async (member) => {
			await knock(member);
			return { done: 'knock' };
		}),
	answerKnock: (event) =>
		asMember(event, async (member, form) => {
			const answer = formText(form, 'answer', 20) === 'coming' ? 'coming' : 'need_more_time';
			await answerKnock(member, answer);
			// "We are coming" is the family's own decision to end private time: one tap does both
			// (answerKnock has checked the plan first, and changePhase checks it again).
			if (answer === 'coming') await changePhase(member, 'presentation');
			return { done: 'answerKnock' };
		}),
	door: (event) =>
		asMember(event, async (member, form) => {
			const decision = formText(form, 'decision', 10) === 'admit' ? 'admit' : 'decline';
			const outcome = await decideAtDoor(member, formText(form, 'participantId', 64), decision);
			return { done: outcome === 'removal_requested' ? outcome : 'door' };
		}),
	remove: (event) =>
		asMember(event, async (member, form) => {
			const outcome = await removeParticipant(member, formText(form, 'participantId', 64));
			return { done: outcome === 'removal_requested' ? outcome : 'remove' };
		}),
	answerRemoval: (event) =>
		asMember(event, async (member, form) => {
			const agree = formText(form, 'answer', 10) === 'agree';
			await answerRemoval(member, formText(form, 'participantId', 64), agree);
			return { done: 'answerRemoval' };
		}),
	confirm: (event) =>
		asMember(event, async (member, form) => {
			if (formText(form, 'all', 5) === 'yes') await confirmAllOthers(member);
			else await confirmDevice(member, formText(form, 'participantId', 64), formText(form, 'alone', 5) === 'yes');
			return { done: 'confirm' };
		}),
	question: (event) =>
		asMember(event, async (member, form) => {
			await updateQuestion(member, formText(form, 'question', 2000));
			return { done: 'question' };
		}),
	familyInvite: (event) =>
		asMember(event, async (member) => {
			const token = await createFamilyInvite(member);
			return { done: 'familyInvite', link: `${phoneOrigin(event.url, config()).origin}/j/${token}` };
		}),
	professionalInvite: (event) =>
		asMember(event, async (member, form) => {
			const values = { name: formText(form, 'name', 100), email: formText(form, 'email', 254) };
			if (!values.name.trim()) return fail(400, { error: 'name_required', values });
			if (!isEmail(values.email)) return fail(400, { error: 'email_invalid', values });
			const token = await createProfessionalInvite(member, values);
			return {
				done: 'professionalInvite',
				link: `${phoneOrigin(event.url, config()).origin}/invite/${token}`,
				name: values.name
			};
		}),
	retention: (event) =>
		asMember(event, async (member, form) => {
			await setRetention(member, formText(form, 'days', 10));
			return { done: 'retention' };
		}),
	tick: (event) =>
		asMember(event, async (member, form) => {
			await tickAgreement(member, {
				agreementId: formText(form, 'agreementId', 64),
				state: formText(form, 'state', 10),
				note: formText(form, 'note', 1000)
			});
			return { done: 'tick' };
		}),
	evaluationDate: (event) =>
		asMember(event, async (member, form) => {
			await setEvaluationDate(member, formText(form, 'on', 20));
			return { done: 'evaluationDate' };
		}),
	/** The link is shown once, in this answer; Kring keeps only its hash. */
	planLink: (event) =>
		asMember(event, async (member) => {
			const token = await makePlanLink(member);
			return { done: 'planLink', planLink: `${phoneOrigin(event.url, config()).origin}/p/${token}` };
		}),
	revokePlanLink: (event) =>
		asMember(event, async (member) => {
			await revokePlanLink(member);
			return { done: 'revokePlanLink' };
		}),
	startEvaluation: async (event) => {
		const identity = event.locals.identity;
		const started = await asMember(event, async (member) =>
			startEvaluation(member, identity?.kind === 'staff' ? identity.userId : '')
		);
		if (typeof started !== 'string') return started;
		redirect(303, `/c/${started}`);
	},
	/** Everything about the conference is erased; the family's device session goes with it. */
	erase: (event) =>
		asMember(event, async (member, form) => {
			await eraseOnRequest(member, formText(form, 'confirm', 10) === 'yes');
			if (member.role === 'family') deleteSessionCookie(event.cookies);
			redirect(303, member.role === 'family' ? '/?erased=1' : '/staff?erased=1');
		}),
	/** A family member leaves this device: the session ends here; the browser wipes its local copy. */
	leave: async ({ locals, cookies }) => {
		if (locals.identity) await invalidateSession(locals.identity.sessionId);
		deleteSessionCookie(cookies);
		redirect(303, '/?left=1');
	}
};
