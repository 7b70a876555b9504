import { error } from '@sveltejs/kit';
import { findConferenceByInvite } from '$lib/server/invites';
import { KringError } from '$lib/server/errors';
import { handleFamilyJoin } from '$lib/server/family-join';
import { clientAddress } from '$lib/server/forms';
import { LIMITS, limitGuesses } from '$lib/server/rate-limit';
import type { Actions, PageServerLoad } from './$types';

async function conferenceFor(token: string, address: string) {
	try {
		const invite = await limitGuesses(LIMITS.familyLink, address, () => findConferenceByInvite(token));
		if (invite.role !== 'family') throw new KringError('invite_unknown', 404);
		return invite.conference;
	} catch (e) {
		if (e instanceof KringError) error(e.status, { message: e.code, code: e.code });
		throw e;
	}
}

export const load: PageServerLoad = async (event) => {
	const conference = await conferenceFor(event.params.token, clientAddress(event));
	return {
		title: conference.title,
		staffRole: event.locals.identity?.kind === 'staff' ? event.locals.identity.role : null
	};
};

export const actions: Actions = {
	default: async (event) => handleFamilyJoin(event, await conferenceFor(event.params.token, clientAddress(event)))
};
