import { error, redirect } from '@sveltejs/kit';
import { resolveMember, type Member } from './conferences';
import type { Identity } from './sessions';

/**
 * The member behind this request, or a 404: someone with no place in a conference learns
 * nothing, not even that it exists.
 */
export async function requireMember(
	locals: { identity: Identity | null; removedFrom?: string | null },
	conferenceId: string
): Promise<Member> {
	const member = await resolveMember(locals.identity, conferenceId);
	// A device the family sent away is told so, once, on the home page.
	if (!member && locals.removedFrom === conferenceId) redirect(303, '/?removed=1');
	if (!member) error(404, { message: 'not_found', code: 'not_found' });
	return member;
}
