import { fail, redirect } from '@sveltejs/kit';
import { clientAddress, formText } from '$lib/server/forms';
import { allowAttempt } from '$lib/server/rate-limit';
import { safeRedirectPath } from '$lib/server/redirects';
import { createSession, setSessionCookie } from '$lib/server/sessions';
import { authenticateUser } from '$lib/server/users';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.identity?.kind === 'staff') redirect(303, safeRedirectPath(url.searchParams.get('next'), '/staff'));
	return {};
};

export const actions: Actions = {
	default: async (event) => {
		const data = await event.request.formData();
		const email = formText(data, 'email', 254);
		if (!allowAttempt(`login:${clientAddress(event)}`, 10, 60_000))
			return fail(429, { error: 'too_many_attempts', values: { email } });
		const user = await authenticateUser(email, formText(data, 'password', 256));
		if (!user) return fail(400, { error: 'login_failed', values: { email } });
		const session = await createSession({ userId: user.id });
		setSessionCookie(event, session.token, session.expiresAt);
		redirect(303, safeRedirectPath(event.url.searchParams.get('next'), '/staff'));
	}
};
