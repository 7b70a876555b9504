import { error, redirect } from '@sveltejs/kit';
import { KringError } from '$lib/server/errors';
import { clientAddress } from '$lib/server/forms';
import { findPlanLink, usePlanLink } from '$lib/server/plan-links';
import { LIMITS, limitGuesses } from '$lib/server/rate-limit';
import { setSessionCookie } from '$lib/server/sessions';
import type { Actions, PageServerLoad } from './$types';

function asPage(e: unknown): never {
	if (e instanceof KringError) error(e.status, { message: e.code, code: e.code });
	throw e;
}

/** A family member's plan link: a page with one button, so that a link preview opens nothing. */
export const load: PageServerLoad = async (event) => {
	try {
		const { conference, participant } = await limitGuesses(LIMITS.planLink, clientAddress(event), () =>
			findPlanLink(event.params.token)
		);
		return { title: conference.title, name: participant.displayName };
	} catch (e) {
		asPage(e);
	}
};

export const actions: Actions = {
	default: async (event) => {
		let opened: Awaited<ReturnType<typeof usePlanLink>>;
		try {
			opened = await limitGuesses(LIMITS.planLink, clientAddress(event), () => usePlanLink(event.params.token));
		} catch (e) {
			asPage(e);
		}
		setSessionCookie(event, opened.token, opened.expiresAt);
		redirect(303, `/c/${opened.conferenceId}`);
	}
};
