import { redirect } from '@sveltejs/kit';
import type { LayoutServerLoad } from './$types';

/** Every page in (staff) is for signed-in coordinators and professionals only. */
export const load: LayoutServerLoad = ({ locals, url }) => {
	const identity = locals.identity;
	if (identity?.kind !== 'staff') redirect(303, `/login?next=${encodeURIComponent(url.pathname)}`);
	return { staff: { name: identity.name, role: identity.role, email: identity.email } };
};
