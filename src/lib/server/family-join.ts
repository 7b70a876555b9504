import { redirect, type Cookies } from '@sveltejs/kit';
import { isPresence } from '$lib/conference/participants';
import { familyCanJoin } from '$lib/conference/permissions';
import type { Conference } from './conferences';
import { joinAsFamily } from './door';
import { failWith, formText } from './forms';
import { createSession, setSessionCookie, type Identity } from './sessions';
import { KringError } from './errors';

/**
 * The join form's action, shared by the invite link and the room code. A staff browser session
 * cannot join as family: the coordinator holds the links, so a link alone must not be a way in.
 */
export async function handleFamilyJoin(
	event: { request: Request; cookies: Cookies; url: URL; locals: { identity: Identity | null } },
	conference: Conference
) {
	const data = await event.request.formData();
	const values = { displayName: formText(data, 'displayName', 200), presence: formText(data, 'presence', 20) };
	try {
		if (event.locals.identity?.kind === 'staff') throw new KringError('not_allowed', 403);
		if (!familyCanJoin(conference.phase)) throw new KringError('room_code_unknown', 404);
		const presence = isPresence(values.presence) ? values.presence : 'room';
		const sharedDevice = data.get('sharedDevice') === 'on';
		const joined = await joinAsFamily(conference, { displayName: values.displayName, presence });
		const session = await createSession({ participantId: joined.participantId, sharedDevice });
		setSessionCookie(event, session.token, session.expiresAt, sharedDevice);
	} catch (error) {
		return failWith(error, values);
	}
	redirect(303, `/c/${conference.id}`);
}
