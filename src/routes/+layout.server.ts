import { catalogueOf } from '$lib/i18n/catalogues.server';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals }) => {
	const identity = locals.identity;
	return {
		locale: locals.locale,
		// Only the page's own language goes to the browser.
		messages: catalogueOf(locals.locale),
		identity: identity ? { kind: identity.kind, name: identity.name, role: identity.role } : null
	};
};
