import { error } from '@sveltejs/kit';
import { documentAccess, memberCan, requireMember } from '$lib/server/members';
import type { PageServerLoad } from './$types';

/**
 * The relay view a relative shares on a supervised video visit: the family's own (`relay_plan`),
 * and only while the plan may be read (access()); staff and a device without access get a 404.
 */
export const load: PageServerLoad = async ({ locals, params }) => {
	const member = await requireMember(locals, params.id);
	if (!memberCan(member, 'relay_plan') || documentAccess(member, 'plan') === 'none')
		error(404, { message: 'not_found', code: 'not_found' });
	return {
		conference: { id: member.conference.id, title: member.conference.title, phase: member.conference.phase }
	};
};
