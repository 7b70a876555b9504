import { and, eq, isNull } from 'drizzle-orm';
import { familyCanJoin } from '$lib/conference/permissions';
import { recordAudit } from './audit';
import type { Conference } from './db/schema';
import { getDb, schema } from './db';
import { KringError } from './errors';
import { generateId, generateToken, hashToken, normalizeRoomCode } from './ids';
import { actorOf, memberCan, type Member } from './members';
import { runtime } from './runtime';

const FAMILY_INVITE_LIFETIME = 60 * 24 * 3600_000;
const PROFESSIONAL_INVITE_LIFETIME = 14 * 24 * 3600_000;

/** The stored row of a family invite link: only the token's hash, valid for the whole conference. */
export function newFamilyInvite(conferenceId: string, token: string) {
	return {
		id: generateId(),
		tokenHash: hashToken(token),
		conferenceId,
		role: 'family' as const,
		expiresAt: new Date(Date.now() + FAMILY_INVITE_LIFETIME)
	};
}

export async function createFamilyInvite(member: Member): Promise<string> {
	if (!memberCan(member, 'create_invite')) throw new KringError('not_allowed', 403);
	const db = await getDb();
	const token = generateToken();
	await db.insert(schema.invites).values(newFamilyInvite(member.conference.id, token));
	await recordAudit(member.conference.id, actorOf(member), 'invite.created', 'family');
	return token;
}

export async function createProfessionalInvite(
	member: Member,
	input: { email: string; name: string }
): Promise<string> {
	if (!memberCan(member, 'create_invite')) throw new KringError('not_allowed', 403);
	const db = await getDb();
	const token = generateToken();
	await db.insert(schema.invites).values({
		id: generateId(),
		tokenHash: hashToken(token),
		conferenceId: member.conference.id,
		role: 'professional',
		email: input.email.trim().toLowerCase(),
		name: input.name.trim(),
		expiresAt: new Date(Date.now() + PROFESSIONAL_INVITE_LIFETIME)
	});
	await recordAudit(member.conference.id, actorOf(member), 'invite.created', 'professional');
	return token;
}

export async function findConferenceByInvite(token: string): Promise<{
	conference: Conference;
	role: 'family' | 'professional';
	inviteId: string;
	email: string | null;
	name: string | null;
}> {
	const db = await getDb();
	const [row] = await db
		.select({ invite: schema.invites, conference: schema.conferences })
		.from(schema.invites)
		.innerJoin(schema.conferences, eq(schema.invites.conferenceId, schema.conferences.id))
		.where(eq(schema.invites.tokenHash, hashToken(token)))
		.limit(1);
	if (!row) throw new KringError('invite_unknown', 404);
	if (row.invite.expiresAt.getTime() <= Date.now()) throw new KringError('invite_expired', 410);
	if (row.invite.role === 'professional' && row.invite.usedAt) throw new KringError('invite_used', 410);
	return {
		conference: row.conference,
		role: row.invite.role,
		inviteId: row.invite.id,
		email: row.invite.email,
		name: row.invite.name
	};
}

export async function findConferenceByRoomCode(code: string): Promise<Conference> {
	const normalized = normalizeRoomCode(code);
	if (normalized.length !== 8) throw new KringError('room_code_unknown', 404);
	const db = await getDb();
	const [conference] = await db
		.select()
		.from(schema.conferences)
		.where(eq(schema.conferences.roomCode, normalized))
		.limit(1);
	if (!conference || !familyCanJoin(conference.phase)) throw new KringError('room_code_unknown', 404);
	return conference;
}

/**
 * Adds a signed-in professional to the conference the invite is for. The invite is for one
 * email address and is used up once: a forwarded link lets nobody else in.
 */
export async function acceptProfessionalInvite(
	token: string,
	user: { userId: string; name: string; role: string; email: string }
): Promise<string> {
	if (user.role !== 'professional') throw new KringError('invite_for_professional', 403);
	const invite = await findConferenceByInvite(token);
	if (invite.role !== 'professional') throw new KringError('invite_unknown', 404);
	if (invite.email && invite.email !== user.email.trim().toLowerCase()) throw new KringError('invite_other_email', 403);
	const db = await getDb();
	const used = await db
		.update(schema.invites)
		.set({ usedAt: new Date() })
		.where(and(eq(schema.invites.id, invite.inviteId), isNull(schema.invites.usedAt)))
		.returning({ id: schema.invites.id });
	if (used.length !== 1) throw new KringError('invite_used', 410);
	const [existing] = await db
		.select({ id: schema.participants.id })
		.from(schema.participants)
		.where(and(eq(schema.participants.conferenceId, invite.conference.id), eq(schema.participants.userId, user.userId)))
		.limit(1);
	if (!existing) {
		await db.insert(schema.participants).values({
			id: generateId(),
			conferenceId: invite.conference.id,
			userId: user.userId,
			role: 'professional',
			displayName: user.name,
			status: 'active'
		});
	}
	await recordAudit(invite.conference.id, { name: user.name, role: 'professional' }, 'professional.joined');
	runtime().bus.publish({ type: 'status', conferenceId: invite.conference.id });
	return invite.conference.id;
}
