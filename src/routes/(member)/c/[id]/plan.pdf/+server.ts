import { error } from '@sveltejs/kit';
import { recordAudit } from '$lib/server/audit';
import { actorOf, documentAccess, requireMember } from '$lib/server/members';
import { makePlanPdf } from '$lib/server/pdf/make';
import { latestPlanVersion, parseFrozen } from '$lib/server/plan-versions';
import type { RequestHandler } from './$types';

/**
 * The accepted plan as a PDF in the reader's language, made from the frozen version: for whoever
 * may read the plan now (the family and the professional; the coordinator until closing).
 */
export const GET: RequestHandler = async ({ locals, params }) => {
	const member = await requireMember(locals, params.id);
	if (documentAccess(member, 'plan') === 'none') error(404, { message: 'not_found', code: 'not_found' });
	const version = await latestPlanVersion(member.conference.id);
	if (!version) error(404, { message: 'not_found', code: 'not_found' });
	const pdf = await makePlanPdf(parseFrozen(version.content), version.sha256, locals.locale);
	await recordAudit(member.conference.id, actorOf(member), 'plan.exported', `pdf, version ${version.version}`);
	return new Response(pdf, {
		headers: {
			'Content-Type': 'application/pdf',
			'Content-Disposition': `inline; filename="kring-plan-v${version.version}.pdf"`,
			'Cache-Control': 'no-store',
			// Not the default `default-src 'none'`: Chrome draws a PDF in an embedded viewer that
			// object-src 'none' blocks. A PDF loads nothing; it still may not be framed anywhere.
			'Content-Security-Policy': "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
		}
	});
};
