import { error } from '@sveltejs/kit';
import { recordAudit } from '$lib/server/audit';
import { actorOf, documentAccess, requireMember } from '$lib/server/members';
import { latestPlanVersion } from '$lib/server/plan-versions';
import type { RequestHandler } from './$types';

/** The accepted plan as the exact JSON that was hashed, for the family to keep. */
export const GET: RequestHandler = async ({ locals, params }) => {
	const member = await requireMember(locals, params.id);
	if (documentAccess(member, 'plan') === 'none') error(404, { message: 'not_found', code: 'not_found' });
	const version = await latestPlanVersion(member.conference.id);
	if (!version) error(404, { message: 'not_found', code: 'not_found' });
	await recordAudit(member.conference.id, actorOf(member), 'plan.exported', `version ${version.version}`);
	return new Response(version.content, {
		headers: {
			'Content-Type': 'application/json; charset=utf-8',
			'Content-Disposition': `attachment; filename="kring-plan-v${version.version}.json"`,
			'X-Kring-Sha256': version.sha256,
			'Cache-Control': 'no-store'
		}
	});
};
