import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals }) => {
	const identity = locals.identity;
	return {
		locale: locals.locale,
		identity: identity ? { kind: identity.kind, name: identity.name, role: identity.role } : null
	};
};
