import { redirect } from '@sveltejs/kit';
import { isLocale } from '$lib/i18n';
import { formText } from '$lib/server/forms';
import { safeRedirectPath } from '$lib/server/redirects';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	default: async ({ request, cookies }) => {
		const data = await request.formData();
		const locale = formText(data, 'locale', 8);
		if (isLocale(locale))
			cookies.set('kring_lang', locale, { path: '/', httpOnly: false, sameSite: 'lax', maxAge: 365 * 24 * 3600 });
		redirect(303, safeRedirectPath(formText(data, 'back', 500), '/'));
	}
};
