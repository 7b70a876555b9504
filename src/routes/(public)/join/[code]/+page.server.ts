import { error } from '@sveltejs/kit';
import { findConferenceByRoomCode } from '$lib/server/invites';
import { KringError } from '$lib/server/errors';
import { handleFamilyJoin } from '$lib/server/family-join';
import { clientAddress } from '$lib/server/forms';
import { LIMITS, limitGuesses } from '$lib/server/rate-limit';
import type { Actions, PageServerLoad } from './$types';

async function conferenceFor(code: string, address: string) {
	try {
		return await limitGuesses(LIMITS.roomCode, address, () => findConferenceByRoomCode(code));
	} catch (e) {
		if (e instanceof KringError) error(e.status, { message: e.code, code: e.code });
		throw e;
	}
}

export const load: PageServerLoad = async (event) => {
	const conference = await conferenceFor(event.params.code, clientAddress(event));
	return {
		title: conference.title,
		staffRole: event.locals.identity?.kind === 'staff' ? event.locals.identity.role : null
	};
};

export const actions: Actions = {
	default: async (event) => handleFamilyJoin(event, await conferenceFor(event.params.code, clientAddress(event)))
};
