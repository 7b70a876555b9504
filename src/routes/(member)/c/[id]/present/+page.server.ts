import { documentAccess, requireMember } from '$lib/server/members';
import type { PageServerLoad } from './$types';

/** The big screen: the live plan, read-only, for whoever may read it now; otherwise only the phase. */
export const load: PageServerLoad = async ({ locals, params }) => {
	const member = await requireMember(locals, params.id);
	return {
		conference: { id: member.conference.id, title: member.conference.title, phase: member.conference.phase },
		access: { plan: documentAccess(member, 'plan'), brief: documentAccess(member, 'brief') }
	};
};
