import { eq, lt } from 'drizzle-orm';
import type { Cookies } from '@sveltejs/kit';
import type { Role } from '$lib/conference/phases';
import { getDb, schema } from './db';
import { generateToken, hashToken } from './ids';
import { runtime } from './runtime';

export const SESSION_COOKIE = 'kring_session';
const DAY = 24 * 60 * 60 * 1000;
/** Staff sign in for a month; a family device keeps its place for a week, a shared device until closed. */
const LIFETIME = { staff: 30 * DAY, family: 7 * DAY, shared: 12 * 60 * 60 * 1000 };

export type StaffIdentity = {
	kind: 'staff';
	sessionId: string;
	userId: string;
	name: string;
	email: string;
	role: Exclude<Role, 'family'>;
};

export type FamilyIdentity = {
	kind: 'family';
	sessionId: string;
	participantId: string;
	conferenceId: string;
	name: string;
	role: 'family';
	status: 'active' | 'unconfirmed' | 'waiting';
	sharedDevice: boolean;
};

export type Identity = StaffIdentity | FamilyIdentity;

export async function createSession(
	owner: { userId: string } | { participantId: string; sharedDevice?: boolean }
): Promise<{ token: string; expiresAt: Date }> {
	const db = await getDb();
	const token = generateToken();
	const shared = 'participantId' in owner && owner.sharedDevice === true;
	const lifetime = 'userId' in owner ? LIFETIME.staff : shared ? LIFETIME.shared : LIFETIME.family;
	const expiresAt = new Date(Date.now() + lifetime);
	await db.insert(schema.sessions).values({
		id: hashToken(token),
		userId: 'userId' in owner ? owner.userId : null,
		participantId: 'participantId' in owner ? owner.participantId : null,
		expiresAt,
		sharedDevice: shared ? 1 : 0
	});
	return { token, expiresAt };
}

/** Looks a token up by its hash, extends a session past half its life (sliding expiry). */
export async function validateSessionToken(token: string): Promise<{ identity: Identity; expiresAt: Date } | null> {
	if (!/^[a-z2-7]{32}$/.test(token)) return null;
	const db = await getDb();
	const sessionId = hashToken(token);
	const [row] = await db
		.select({
			session: schema.sessions,
			user: schema.users,
			participant: schema.participants
		})
		.from(schema.sessions)
		.leftJoin(schema.users, eq(schema.sessions.userId, schema.users.id))
		.leftJoin(schema.participants, eq(schema.sessions.participantId, schema.participants.id))
		.where(eq(schema.sessions.id, sessionId))
		.limit(1);
	if (!row) return null;
	const { session, user, participant } = row;
	const now = Date.now();
	if (session.expiresAt.getTime() <= now) {
		await db.delete(schema.sessions).where(eq(schema.sessions.id, sessionId));
		return null;
	}
	const shared = session.sharedDevice === 1;
	const lifetime = user ? LIFETIME.staff : shared ? LIFETIME.shared : LIFETIME.family;
	let expiresAt = session.expiresAt;
	if (expiresAt.getTime() - now < lifetime / 2) {
		expiresAt = new Date(now + lifetime);
		await db.update(schema.sessions).set({ expiresAt }).where(eq(schema.sessions.id, sessionId));
	}
	if (user) {
		return {
			identity: { kind: 'staff', sessionId, userId: user.id, name: user.name, email: user.email, role: user.role },
			expiresAt
		};
	}
	if (participant && participant.role === 'family') {
		if (participant.status === 'removed' || participant.status === 'declined') return null;
		return {
			identity: {
				kind: 'family',
				sessionId,
				participantId: participant.id,
				conferenceId: participant.conferenceId,
				name: participant.displayName,
				role: 'family',
				status: participant.status as FamilyIdentity['status'],
				sharedDevice: shared
			},
			expiresAt
		};
	}
	return null;
}

/**
 * The conference a device was sent away from (removed, or not let in at the door), so it can be
 * told so once instead of meeting a blank "not found". Such a session opens nothing.
 */
export async function formerConferenceOf(token: string): Promise<string | null> {
	if (!/^[a-z2-7]{32}$/.test(token)) return null;
	const db = await getDb();
	const [row] = await db
		.select({ conferenceId: schema.participants.conferenceId, status: schema.participants.status })
		.from(schema.sessions)
		.innerJoin(schema.participants, eq(schema.sessions.participantId, schema.participants.id))
		.where(eq(schema.sessions.id, hashToken(token)))
		.limit(1);
	return row && (row.status === 'removed' || row.status === 'declined') ? row.conferenceId : null;
}

/** Signs out: the session is gone, and every live socket it opened closes on every instance. */
export async function invalidateSession(sessionId: string): Promise<void> {
	const db = await getDb();
	await db.delete(schema.sessions).where(eq(schema.sessions.id, sessionId));
	runtime().bus.publish({ type: 'session-ended', sessionId });
}

export async function deleteExpiredSessions(): Promise<void> {
	const db = await getDb();
	await db.delete(schema.sessions).where(lt(schema.sessions.expiresAt, new Date()));
}

export function setSessionCookie(
	event: { cookies: Cookies; url: URL },
	token: string,
	expiresAt: Date,
	sharedDevice = false
): void {
	event.cookies.set(SESSION_COOKIE, token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		// Secure whenever the browser reached Kring over https (directly, or through a TLS proxy
		// that says so); phones on the room's Wi-Fi over plain http still keep their session.
		secure: event.url.protocol === 'https:',
		// A shared device (a prison visit room's tablet) forgets the session when the browser closes.
		...(sharedDevice ? {} : { expires: expiresAt })
	});
}

export function deleteSessionCookie(cookies: Cookies): void {
	cookies.delete(SESSION_COOKIE, { path: '/' });
}

/** Reads the session cookie from a raw Cookie header, for the WebSocket upgrade. */
export function readSessionCookie(header: string | undefined): string | null {
	if (!header) return null;
	for (const part of header.split(';')) {
		const [name, ...rest] = part.trim().split('=');
		if (name === SESSION_COOKIE) return decodeURIComponent(rest.join('='));
	}
	return null;
}
