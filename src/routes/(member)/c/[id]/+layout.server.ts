import { requireMember } from '$lib/server/members';
import type { LayoutServerLoad } from './$types';

/** Every page under /c/[id] is for members of that conference; what they see is decided per page by access(). */
export const load: LayoutServerLoad = async ({ locals, params }) => {
	const member = await requireMember(locals, params.id);
	return {
		member: { role: member.role, status: member.status, name: member.name, participantId: member.participantId }
	};
};
