import { redirect } from '@sveltejs/kit';
import { hashToken, normalizeRoomCode } from '$lib/server/ids';
import { deleteSessionCookie, invalidateSession, SESSION_COOKIE } from '$lib/server/sessions';
import { formText } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, cookies }) => {
	if (locals.removedFrom) {
		// The device has now been told it was sent away: its session goes.
		const token = cookies.get(SESSION_COOKIE);
		if (token) await invalidateSession(hashToken(token));
		deleteSessionCookie(cookies);
	}
	const identity = locals.identity;
	return { familyConferenceId: identity?.kind === 'family' ? identity.conferenceId : null };
};

export const actions: Actions = {
	default: async ({ request }) => {
		const code = normalizeRoomCode(formText(await request.formData(), 'code', 40));
		redirect(303, `/join/${code || '-'}`);
	}
};
