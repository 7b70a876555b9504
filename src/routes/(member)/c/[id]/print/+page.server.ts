import { error } from '@sveltejs/kit';
import { recordAudit } from '$lib/server/audit';
import { actorOf, documentAccess, requireMember } from '$lib/server/members';
import { latestPlanVersion, parseFrozen } from '$lib/server/plan-versions';
import type { PageServerLoad } from './$types';

/** The printable accepted plan: only the frozen version, only for those who may read the plan now. */
export const load: PageServerLoad = async ({ locals, params }) => {
	const member = await requireMember(locals, params.id);
	if (documentAccess(member, 'plan') === 'none') error(404, { message: 'not_found', code: 'not_found' });
	const version = await latestPlanVersion(member.conference.id);
	if (!version) error(404, { message: 'not_found', code: 'not_found' });
	await recordAudit(member.conference.id, actorOf(member), 'plan.exported', `print, version ${version.version}`);
	return { frozen: parseFrozen(version.content), sha256: version.sha256 };
};
