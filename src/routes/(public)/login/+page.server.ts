import { redirect } from '@sveltejs/kit';
import { clientAddress, failWithCode, formText, localPath } from '$lib/server/forms';
import { allowAttempt } from '$lib/server/rate-limit';
import { createSession, setSessionCookie } from '$lib/server/sessions';
import { authenticateUser } from '$lib/server/users';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
	if (locals.identity?.kind === 'staff') redirect(303, safeNext(url.searchParams.get('next')));
	return {};
};

/** Only paths on this site: a login link must not send anyone elsewhere. */
function safeNext(next: string | null): string {
	return localPath(next, '/staff');
}

export const actions: Actions = {
	default: async (event) => {
		const data = await event.request.formData();
		const email = formText(data, 'email', 254);
		if (!allowAttempt(`login:${clientAddress(event)}`, 10, 60_000))
			return failWithCode(429, 'too_many_attempts', { email });
		const user = await authenticateUser(email, formText(data, 'password', 256));
		if (!user) return failWithCode(400, 'login_failed', { email });
		const session = await createSession({ userId: user.id });
		setSessionCookie(event, session.token, session.expiresAt);
		redirect(303, safeNext(event.url.searchParams.get('next')));
	}
};
