import { redirect } from '@sveltejs/kit';
import { clientAddress, failWithCode, formText } from '$lib/server/forms';
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
		if (await tooManyFailures(LIMITS.loginAddress, address)) return failWithCode(429, 'too_many_attempts', { email });
		// Per account, whichever address the guesses come from.
		if (!(await takeAttempt(LIMITS.loginAccount, normalizeEmail(email))))
			return failWithCode(429, 'account_locked', { email });
		const user = await authenticateUser(email, formText(data, 'password', 256));
		if (!user) {
			await countFailure(LIMITS.loginAddress, address);
			return failWithCode(400, 'login_failed', { email });
		}
		await forgetFailures(LIMITS.loginAccount, normalizeEmail(email));
		const session = await createSession({ userId: user.id });
		setSessionCookie(event, session.token, session.expiresAt);
		redirect(303, safeRedirectPath(event.url.searchParams.get('next'), '/staff'));
	}
};
