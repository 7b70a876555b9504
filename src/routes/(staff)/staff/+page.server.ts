import { redirect } from '@sveltejs/kit';
import { accountCan } from '$lib/conference/permissions';
import { createConference, listConferencesForUser } from '$lib/server/conferences';
import { eraseDemo, hasDemo } from '$lib/server/demo';
import { failWith, failWithCode, formText } from '$lib/server/forms';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	if (locals.identity?.kind !== 'staff') redirect(303, '/login');
	return {
		conferences: await listConferencesForUser(locals.identity.userId),
		mayCreateConference: accountCan(locals.identity.role, 'create_conference'),
		demo: accountCan(locals.identity.role, 'erase_demo') && (await hasDemo())
	};
};

export const actions: Actions = {
	eraseDemo: async ({ locals }) => {
		if (locals.identity?.kind !== 'staff' || !accountCan(locals.identity.role, 'erase_demo'))
			return failWithCode(403, 'not_allowed', {});
		await eraseDemo();
		return { done: 'eraseDemo' };
	},
	create: async ({ request, locals }) => {
		const identity = locals.identity;
		if (identity?.kind !== 'staff' || !accountCan(identity.role, 'create_conference'))
			return failWithCode(403, 'not_allowed', { title: '', question: '' });
		const data = await request.formData();
		const values = { title: formText(data, 'title', 200), question: formText(data, 'question', 2000) };
		let id: string;
		try {
			({
				conference: { id }
			} = await createConference({ userId: identity.userId, name: identity.name }, values));
		} catch (e) {
			return failWith(e, values);
		}
		redirect(303, `/c/${id}`);
	}
};
