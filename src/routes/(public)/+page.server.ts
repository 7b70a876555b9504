import { redirect } from '@sveltejs/kit';
import { normalizeRoomCode } from '$lib/server/ids';
import { formText } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => {
	const identity = locals.identity;
	return { familyConferenceId: identity?.kind === 'family' ? identity.conferenceId : null };
};

export const actions: Actions = {
	default: async ({ request }) => {
		const code = normalizeRoomCode(formText(await request.formData(), 'code', 40));
		redirect(303, `/join/${code || '-'}`);
	}
};
