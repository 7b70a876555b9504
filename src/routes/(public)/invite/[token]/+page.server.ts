import { error, redirect } from '@sveltejs/kit';
import { acceptProfessionalInvite, findConferenceByInvite } from '$lib/server/invites';
import { KringError } from '$lib/server/errors';
import { clientAddress, failWith, failWithCode, formText } from '$lib/server/forms';
import { passwordProblem } from '$lib/server/passwords';
import { LIMITS, limitGuesses } from '$lib/server/rate-limit';
import { createSession, setSessionCookie } from '$lib/server/sessions';
import { createUser, getUserByEmail } from '$lib/server/users';
import type { Actions, PageServerLoad } from './$types';

async function inviteFor(token: string, address: string) {
	try {
		const invite = await limitGuesses(LIMITS.professionalLink, address, () => findConferenceByInvite(token));
		if (invite.role !== 'professional') throw new KringError('invite_unknown', 404);
		return invite;
	} catch (e) {
		if (e instanceof KringError) error(e.status, { message: e.code, code: e.code });
		throw e;
	}
}

export const load: PageServerLoad = async (event) => {
	const { params, locals } = event;
	const invite = await inviteFor(params.token, clientAddress(event));
	const identity = locals.identity;
	return {
		title: invite.conference.title,
		name: invite.name ?? '',
		email: invite.email ?? '',
		hasAccount: !!(invite.email && (await getUserByEmail(invite.email))),
		signedInAs: identity?.kind === 'staff' ? { name: identity.name, role: identity.role } : null
	};
};

export const actions: Actions = {
	/** A professional who is signed in takes the invite. */
	accept: async ({ params, locals, url }) => {
		const identity = locals.identity;
		if (identity?.kind !== 'staff') redirect(303, `/login?next=${encodeURIComponent(url.pathname)}`);
		let conferenceId: string;
		try {
			conferenceId = await acceptProfessionalInvite(params.token, {
				userId: identity.userId,
				name: identity.name,
				role: identity.role,
				email: identity.email
			});
		} catch (e) {
			return failWith(e);
		}
		redirect(303, `/c/${conferenceId}`);
	},
	/** A professional without an account makes one for the invited email address, and takes the invite. */
	register: async (event) => {
		const { params, request, cookies, url } = event;
		const invite = await inviteFor(params.token, clientAddress(event));
		const data = await request.formData();
		const values = { name: formText(data, 'name', 100) };
		const password = formText(data, 'password', 300);
		if (!invite.email) return failWithCode(400, 'email_invalid', values);
		if (await getUserByEmail(invite.email)) return failWithCode(409, 'email_taken', values);
		if (!values.name.trim()) return failWithCode(400, 'name_required', values);
		const problem = passwordProblem(password);
		if (problem) return failWithCode(400, problem, values);
		let conferenceId: string;
		try {
			const user = await createUser({ email: invite.email, name: values.name, role: 'professional', password });
			conferenceId = await acceptProfessionalInvite(params.token, {
				userId: user.id,
				name: user.name,
				role: user.role,
				email: user.email
			});
			const session = await createSession({ userId: user.id });
			setSessionCookie({ cookies, url }, session.token, session.expiresAt);
		} catch (e) {
			return failWith(e, values);
		}
		redirect(303, `/c/${conferenceId}`);
	}
};
