import { error, redirect } from '@sveltejs/kit';
import { recordAudit } from '$lib/server/audit';
import { failWithCode, formText } from '$lib/server/forms';
import { passwordProblem } from '$lib/server/passwords';
import { createDemo } from '$lib/server/demo';
import { createSession, setSessionCookie } from '$lib/server/sessions';
import { consumeSetupToken, createUser, isEmail, isValidSetupToken } from '$lib/server/users';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params }) => {
	if (!(await isValidSetupToken(params.token))) error(410, { message: 'setup_used', code: 'setup_used' });
	return {};
};

export const actions: Actions = {
	default: async ({ request, params, cookies, url }) => {
		const data = await request.formData();
		const values = { name: formText(data, 'name', 100), email: formText(data, 'email', 254) };
		const password = formText(data, 'password', 300);
		if (!values.name.trim()) return failWithCode(400, 'name_required', values);
		if (!isEmail(values.email)) return failWithCode(400, 'email_invalid', values);
		const problem = passwordProblem(password);
		if (problem) return failWithCode(400, problem, values);
		if (!(await isValidSetupToken(params.token)) || !(await consumeSetupToken(params.token))) {
			return failWithCode(410, 'setup_used', values);
		}
		const user = await createUser({ ...values, role: 'coordinator', password });
		await recordAudit(null, { name: user.name, role: 'coordinator' }, 'account.created', 'first coordinator');
		// "Start with the demo": Johan's conference in every phase, marked as a demo, erasable from the staff page.
		if (formText(data, 'demo', 5) === 'yes') await createDemo({ userId: user.id, name: user.name });
		const session = await createSession({ userId: user.id });
		setSessionCookie({ cookies, url }, session.token, session.expiresAt);
		redirect(303, '/staff');
	}
};
