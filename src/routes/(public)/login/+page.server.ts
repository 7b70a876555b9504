import { fail, redirect } from '@sveltejs/kit';
import { clientAddress, formText } from '$lib/server/forms';
import { countFailure, forgetFailures, LIMITS, takeAttempt, tooManyFailures } from '$lib/server/rate-limit';
import { safeRedirectPath } from '$lib/server/redirects';
import { createSession, setSessionCookie } from '$lib/server/sessions';
import { authenticateUser, normalizeEmail } from '$lib/server/users';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.identity?.kind === 'staff') redirect(303, safeRedirectPath(url.searchParams.get('next'), '/staff'));
	return {};
};

export const actions: Actions = {
	default: async (event) => {
		const data = await event.request.formData();
		const email = formText(data, 'email', 254);
		const address = clientAddress(event);
		if (await tooManyFailures(LIMITS.loginAddress, address))
			return fail(429, { error: 'too_many_attempts', values: { email } });
		// Per account, whichever address the guesses come from.
		if (!(await takeAttempt(LIMITS.loginAccount, normalizeEmail(email))))
			return fail(429, { error: 'account_locked', values: { email } });
		const user = await authenticateUser(email, formText(data, 'password', 256));
		if (!user) {
			await countFailure(LIMITS.loginAddress, address);
			return fail(400, { error: 'login_failed', values: { email } });
		}
		await forgetFailures(LIMITS.loginAccount, normalizeEmail(email));
		const session = await createSession({ userId: user.id });
		setSessionCookie(event, session.token, session.expiresAt);
		redirect(303, safeRedirectPath(event.url.searchParams.get('next'), '/staff'));
	}
};
