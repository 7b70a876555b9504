import { fail, redirect } from '@sveltejs/kit';
import { isPhase } from '$lib/conference/phases';
import { acceptPlan } from '$lib/server/acceptance';
import { loadBoard } from '$lib/server/board';
import {
	answerKnock,
	changePhase,
	createFamilyInvite,
	createProfessionalInvite,
	decideAtDoor,
	knock,
	removeParticipant,
	updateQuestion
} from '$lib/server/conferences';
import { failWith, formText } from '$lib/server/forms';
import { requireMember } from '$lib/server/member';
import { deleteSessionCookie, invalidateSession } from '$lib/server/sessions';
import { isEmail } from '$lib/server/users';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => {
	const member = await requireMember(locals, params.id);
	if (member.status === 'waiting') return { waiting: true as const, title: member.conference.title };
	const identity = locals.identity;
	// On a device that is not theirs (a prison visit room's tablet) nothing is kept in the browser.
	const sharedDevice = identity?.kind === 'family' && identity.sharedDevice;
	return { waiting: false as const, board: await loadBoard(member, url.origin), sharedDevice };
};

/** Each action: find the member, call one service function, report. */
export const actions: Actions = {
	phase: async ({ locals, params, request }) => {
		const member = await requireMember(locals, params.id);
		const to = formText(await request.formData(), 'to', 20);
		if (!isPhase(to)) return fail(400, { error: 'not_allowed', values: {} });
		try {
			await changePhase(member, to);
		} catch (e) {
			return failWith(e);
		}
		return { done: 'phase' };
	},
	accept: async ({ locals, params, request }) => {
		const member = await requireMember(locals, params.id);
		try {
			const result = await acceptPlan(member, formText(await request.formData(), 'conditions', 4000));
			return { done: 'accepted', version: result.version };
		} catch (e) {
			return failWith(e);
		}
	},
	knock: async ({ locals, params }) => {
		try {
			await knock(await requireMember(locals, params.id));
		} catch (e) {
			return failWith(e);
		}
		return { done: 'knock' };
	},
	answerKnock: async ({ locals, params, request }) => {
		const answer = formText(await request.formData(), 'answer', 20) === 'coming' ? 'coming' : 'need_more_time';
		try {
			await answerKnock(await requireMember(locals, params.id), answer);
		} catch (e) {
			return failWith(e);
		}
		return { done: 'answerKnock' };
	},
	door: async ({ locals, params, request }) => {
		const data = await request.formData();
		const decision = formText(data, 'decision', 10) === 'admit' ? 'admit' : 'decline';
		try {
			await decideAtDoor(await requireMember(locals, params.id), formText(data, 'participantId', 64), decision);
		} catch (e) {
			return failWith(e);
		}
		return { done: 'door' };
	},
	remove: async ({ locals, params, request }) => {
		try {
			await removeParticipant(await requireMember(locals, params.id), formText(await request.formData(), 'participantId', 64));
		} catch (e) {
			return failWith(e);
		}
		return { done: 'remove' };
	},
	question: async ({ locals, params, request }) => {
		try {
			await updateQuestion(await requireMember(locals, params.id), formText(await request.formData(), 'question', 2000));
		} catch (e) {
			return failWith(e);
		}
		return { done: 'question' };
	},
	familyInvite: async ({ locals, params, url }) => {
		try {
			const token = await createFamilyInvite(await requireMember(locals, params.id));
			return { done: 'familyInvite', link: `${url.origin}/j/${token}` };
		} catch (e) {
			return failWith(e);
		}
	},
	professionalInvite: async ({ locals, params, request, url }) => {
		const data = await request.formData();
		const values = { name: formText(data, 'name', 100), email: formText(data, 'email', 254) };
		if (!values.name.trim()) return fail(400, { error: 'name_required', values });
		if (!isEmail(values.email)) return fail(400, { error: 'email_invalid', values });
		try {
			const token = await createProfessionalInvite(await requireMember(locals, params.id), values);
			return { done: 'professionalInvite', link: `${url.origin}/invite/${token}`, name: values.name };
		} catch (e) {
			return failWith(e, values);
		}
	},
	/** A family member leaves this device: the session ends here; the browser wipes its local copy. */
	leave: async ({ locals, cookies }) => {
		if (locals.identity) await invalidateSession(locals.identity.sessionId);
		deleteSessionCookie(cookies);
		redirect(303, '/?left=1');
	}
};
