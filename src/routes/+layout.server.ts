import { catalogueOf } from '$lib/i18n/catalogues.server';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals, isDataRequest }) => {
	const identity = locals.identity;
	return {
		locale: locals.locale,
		// Only the page's own language goes to the browser, with the first page: the root layout is set
		// up once from it, so a later navigation or reload of the data need not repeat it.
		messages: isDataRequest ? null : catalogueOf(locals.locale),
		identity: identity ? { kind: identity.kind, name: identity.name, role: identity.role } : null
	};
};
