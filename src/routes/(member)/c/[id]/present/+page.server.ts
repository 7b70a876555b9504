import { documentAccess, requireMember } from '$lib/server/members';
import type { PageServerLoad } from './$types';

/** The big screen: the live plan, read-only, for whoever may read it now; otherwise only the phase. */
export const load: PageServerLoad = async ({ locals, params }) => {
	const member = await requireMember(locals, params.id);
	const { phase } = member.conference;
	// Why the plan is not on the screen, said truthfully: a device not (yet) let in waits at the
	// door; only in private time is the family in private time; before it, nothing is presented yet.
	const withoutPlan =
		member.status !== 'active'
			? ('door' as const)
			: phase === 'private'
				? ('private' as const)
				: phase === 'preparation' || phase === 'information'
					? ('not_yet' as const)
					: ('none' as const);
	return {
		conference: { id: member.conference.id, title: member.conference.title, phase },
		access: { plan: documentAccess(member, 'plan'), brief: documentAccess(member, 'brief') },
		withoutPlan
	};
};
