import { and, asc, count, desc, eq, inArray, isNull, lt, max } from 'drizzle-orm';
import { access, type Access } from '$lib/conference/access';
import { canTransition } from '$lib/conference/permissions';
import { type DocumentName, type Phase, type Role } from '$lib/conference/phases';
import { recordAudit, SYSTEM_ACTOR, type Actor } from './audit';
import { config } from './config';
import { getDb, schema } from './db';
import { KringError } from './errors';
import { generateId, generateRoomCode, generateToken, hashToken, normalizeRoomCode } from './ids';
import { runtime } from './runtime';
import type { Identity } from './sessions';

export type Conference = typeof schema.conferences.$inferSelect;
export type Participant = typeof schema.participants.$inferSelect;

/** A person's standing in one conference: what the access matrix needs, and who they are. */
export type Member = {
	conference: Conference;
	role: Role;
	participantId: string;
	name: string;
	status: Participant['status'];
};

const FAMILY_INVITE_LIFETIME = 60 * 24 * 3600_000;
const PROFESSIONAL_INVITE_LIFETIME = 14 * 24 * 3600_000;
/** From private time on, a new family device needs a family member to let it in. */
const DOOR_PHASES: readonly Phase[] = ['private', 'presentation', 'accepted', 'closed'];

export function actorOf(member: Pick<Member, 'name' | 'role'>): Actor {
	return { name: member.name, role: member.role };
}

export function documentAccess(member: Member, document: DocumentName): Access {
	if (member.status !== 'active') return 'none';
	return access(member.role, member.conference.phase, document);
}

export async function getConference(conferenceId: string): Promise<Conference | null> {
	const db = await getDb();
	const [row] = await db.select().from(schema.conferences).where(eq(schema.conferences.id, conferenceId)).limit(1);
	return row ?? null;
}

/** Who this identity is in this conference, or null when they have no place in it. */
export async function resolveMember(identity: Identity | null, conferenceId: string): Promise<Member | null> {
	if (!identity) return null;
	if (identity.kind === 'family' && identity.conferenceId !== conferenceId) return null;
	const conference = await getConference(conferenceId);
	if (!conference) return null;
	const db = await getDb();
	if (identity.kind === 'family') {
		const [participant] = await db
			.select()
			.from(schema.participants)
			.where(eq(schema.participants.id, identity.participantId))
			.limit(1);
		if (!participant || participant.status === 'removed' || participant.status === 'declined') return null;
		return {
			conference,
			role: 'family',
			participantId: participant.id,
			name: participant.displayName,
			status: participant.status
		};
	}
	const [participant] = await db
		.select()
		.from(schema.participants)
		.where(
			and(
				eq(schema.participants.conferenceId, conferenceId),
				eq(schema.participants.userId, identity.userId),
				eq(schema.participants.status, 'active')
			)
		)
		.limit(1);
	if (!participant || participant.role === 'family') return null;
	return {
		conference,
		role: participant.role,
		participantId: participant.id,
		name: participant.displayName,
		status: 'active'
	};
}

export async function createConference(
	coordinator: { userId: string; name: string },
	input: { title: string; question: string; language?: string }
): Promise<{ conference: Conference; familyInviteToken: string }> {
	const title = input.title.trim();
	const question = input.question.trim();
	if (!title || title.length > 120) throw new KringError('title_required');
	if (!question || question.length > 1000) throw new KringError('question_required');
	const db = await getDb();
	const id = generateId();
	const familyInviteToken = generateToken();
	const conference = await db.transaction(async (tx) => {
		const [created] = await tx
			.insert(schema.conferences)
			.values({
				id,
				title,
				question,
				language: input.language ?? 'nl',
				roomCode: generateRoomCode(),
				coordinatorId: coordinator.userId
			})
			.returning();
		await tx.insert(schema.participants).values({
			id: generateId(),
			conferenceId: id,
			userId: coordinator.userId,
			role: 'coordinator',
			displayName: coordinator.name,
			status: 'active'
		});
		await tx.insert(schema.invites).values({
			id: generateId(),
			tokenHash: hashToken(familyInviteToken),
			conferenceId: id,
			role: 'family',
			expiresAt: new Date(Date.now() + FAMILY_INVITE_LIFETIME)
		});
		return created;
	});
	await recordAudit(id, { name: coordinator.name, role: 'coordinator' }, 'conference.created');
	return { conference, familyInviteToken };
}

export async function updateQuestion(member: Member, question: string): Promise<void> {
	if (member.role !== 'coordinator' || access(member.role, member.conference.phase, 'brief') !== 'write') {
		throw new KringError('not_allowed', 403);
	}
	const trimmed = question.trim();
	if (!trimmed || trimmed.length > 1000) throw new KringError('question_required');
	const db = await getDb();
	await db.update(schema.conferences).set({ question: trimmed }).where(eq(schema.conferences.id, member.conference.id));
	runtime().bus.publish({ type: 'status', conferenceId: member.conference.id });
}

export async function listConferencesForUser(userId: string) {
	const db = await getDb();
	return db
		.select({
			id: schema.conferences.id,
			title: schema.conferences.title,
			phase: schema.conferences.phase,
			role: schema.participants.role,
			createdAt: schema.conferences.createdAt
		})
		.from(schema.participants)
		.innerJoin(schema.conferences, eq(schema.participants.conferenceId, schema.conferences.id))
		.where(and(eq(schema.participants.userId, userId), eq(schema.participants.status, 'active')))
		.orderBy(desc(schema.conferences.createdAt));
}

export async function listParticipants(conferenceId: string) {
	const db = await getDb();
	return db
		.select({
			id: schema.participants.id,
			role: schema.participants.role,
			displayName: schema.participants.displayName,
			presence: schema.participants.presence,
			status: schema.participants.status,
			createdAt: schema.participants.createdAt
		})
		.from(schema.participants)
		.where(
			and(
				eq(schema.participants.conferenceId, conferenceId),
				inArray(schema.participants.status, ['active', 'waiting'])
			)
		)
		.orderBy(asc(schema.participants.createdAt));
}

export async function countActiveFamily(conferenceId: string): Promise<number> {
	const db = await getDb();
	const [row] = await db
		.select({ n: count() })
		.from(schema.participants)
		.where(
			and(
				eq(schema.participants.conferenceId, conferenceId),
				eq(schema.participants.role, 'family'),
				eq(schema.participants.status, 'active')
			)
		);
	return row?.n ?? 0;
}

/**
 * Moves the conference to another phase when this member may make that move. The change is
 * committed first, then published: every open connection is re-evaluated before the call returns.
 */
export async function changePhase(member: Member, to: Phase): Promise<Conference> {
	const from = member.conference.phase;
	if (member.status !== 'active' || !canTransition(member.role, from, to))
		throw new KringError('phase_change_not_allowed', 403);
	if (to === 'accepted') throw new KringError('use_accept', 400);
	if (to === 'private' && (await countActiveFamily(member.conference.id)) === 0)
		throw new KringError('no_family_yet', 409);
	const updated = await setPhase(member.conference.id, from, to);
	await recordAudit(member.conference.id, actorOf(member), 'phase.changed', `${from} → ${to}`);
	return updated;
}

export async function setPhase(
	conferenceId: string,
	from: Phase,
	to: Phase,
	extra: Partial<Conference> = {}
): Promise<Conference> {
	const db = await getDb();
	const changedAt = new Date();
	const [updated] = await db
		.update(schema.conferences)
		.set({ phase: to, phaseChangedAt: changedAt, knockedAt: null, ...extra })
		.where(and(eq(schema.conferences.id, conferenceId), eq(schema.conferences.phase, from)))
		.returning();
	// Someone else moved the conference on in the meantime: nothing changes.
	if (!updated) throw new KringError('phase_changed_meanwhile', 409);
	runtime().bus.publish({ type: 'phase', conferenceId, phase: to, changedAt: changedAt.getTime() });
	return updated;
}

export async function knock(member: Member): Promise<void> {
	if (member.role !== 'coordinator' || member.conference.phase !== 'private') throw new KringError('not_allowed', 403);
	const db = await getDb();
	await db
		.update(schema.conferences)
		.set({ knockedAt: new Date() })
		.where(eq(schema.conferences.id, member.conference.id));
	await recordAudit(member.conference.id, actorOf(member), 'knock');
	runtime().bus.publish({ type: 'status', conferenceId: member.conference.id });
}

export async function answerKnock(member: Member, answer: 'coming' | 'need_more_time'): Promise<void> {
	if (member.role !== 'family' || member.status !== 'active') throw new KringError('not_allowed', 403);
	const db = await getDb();
	await db.update(schema.conferences).set({ knockedAt: null }).where(eq(schema.conferences.id, member.conference.id));
	await recordAudit(member.conference.id, actorOf(member), 'knock.answered', answer);
	runtime().bus.publish({ type: 'status', conferenceId: member.conference.id });
}

export type JoinResult = { participantId: string; status: 'active' | 'waiting' };

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
	if (!conference || conference.phase === 'closed') throw new KringError('room_code_unknown', 404);
	return conference;
}

export function validateDisplayName(input: string): string {
	const name = input.replace(/\s+/g, ' ').trim();
	if (!name) throw new KringError('name_required');
	if (name.length > 60) throw new KringError('name_too_long');
	return name;
}

/**
 * A family device joins with a display name. Before private time it is in at once (the
 * coordinator is with the family); from private time on it waits at the door until a family
 * member who is already in lets it in.
 */
export async function joinAsFamily(
	conference: Conference,
	input: { displayName: string; presence: Participant['presence'] }
): Promise<JoinResult> {
	const displayName = validateDisplayName(input.displayName);
	const status = DOOR_PHASES.includes(conference.phase) ? 'waiting' : 'active';
	const db = await getDb();
	const participantId = generateId();
	await db.insert(schema.participants).values({
		id: participantId,
		conferenceId: conference.id,
		role: 'family',
		displayName,
		presence: input.presence,
		status
	});
	await recordAudit(
		conference.id,
		{ name: displayName, role: 'family' },
		status === 'active' ? 'participant.joined' : 'participant.waiting'
	);
	runtime().bus.publish({ type: 'status', conferenceId: conference.id });
	return { participantId, status };
}

/** Moves one family device of this conference to another status, if it is in one of `from`; returns its name. */
async function moveFamilyDevice(
	conferenceId: string,
	participantId: string,
	to: Participant['status'],
	from: Participant['status'][]
): Promise<string | null> {
	const db = await getDb();
	const [moved] = await db
		.update(schema.participants)
		.set({ status: to })
		.where(
			and(
				eq(schema.participants.id, participantId),
				eq(schema.participants.conferenceId, conferenceId),
				eq(schema.participants.role, 'family'),
				inArray(schema.participants.status, from)
			)
		)
		.returning({ displayName: schema.participants.displayName });
	return moved?.displayName ?? null;
}

export async function decideAtDoor(
	member: Member,
	participantId: string,
	decision: 'admit' | 'decline'
): Promise<void> {
	if (member.role !== 'family' || member.status !== 'active') throw new KringError('not_allowed', 403);
	const conferenceId = member.conference.id;
	const name = await moveFamilyDevice(conferenceId, participantId, decision === 'admit' ? 'active' : 'declined', [
		'waiting'
	]);
	if (name === null) throw new KringError('door_request_gone', 409);
	await recordAudit(conferenceId, actorOf(member), decision === 'admit' ? 'door.admitted' : 'door.declined', name);
	if (decision === 'decline') runtime().bus.publish({ type: 'participant-removed', conferenceId, participantId });
	runtime().bus.publish({ type: 'status', conferenceId });
}

/**
 * The family may remove any family device at any time; the coordinator only before private
 * time. Open sockets close at once; the device's session opens nothing any more (it stays only
 * so that the device can be told, once, that it was sent away).
 */
export async function removeParticipant(member: Member, participantId: string): Promise<void> {
	const mayRemove =
		member.status === 'active' &&
		(member.role === 'family' ||
			(member.role === 'coordinator' && ['preparation', 'information'].includes(member.conference.phase)));
	if (!mayRemove) throw new KringError('not_allowed', 403);
	const conferenceId = member.conference.id;
	const name = await moveFamilyDevice(conferenceId, participantId, 'removed', ['active', 'waiting']);
	if (name === null) throw new KringError('participant_unknown', 404);
	await recordAudit(conferenceId, actorOf(member), 'participant.removed', name);
	runtime().bus.publish({ type: 'participant-removed', conferenceId, participantId });
	runtime().bus.publish({ type: 'status', conferenceId });
}

export async function createFamilyInvite(member: Member): Promise<string> {
	if (member.role !== 'coordinator') throw new KringError('not_allowed', 403);
	const db = await getDb();
	const token = generateToken();
	await db.insert(schema.invites).values({
		id: generateId(),
		tokenHash: hashToken(token),
		conferenceId: member.conference.id,
		role: 'family',
		expiresAt: new Date(Date.now() + FAMILY_INVITE_LIFETIME)
	});
	await recordAudit(member.conference.id, actorOf(member), 'invite.created', 'family');
	return token;
}

export async function createProfessionalInvite(
	member: Member,
	input: { email: string; name: string }
): Promise<string> {
	if (member.role !== 'coordinator') throw new KringError('not_allowed', 403);
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

export async function latestPlanVersion(conferenceId: string) {
	const db = await getDb();
	const [version] = await db
		.select()
		.from(schema.planVersions)
		.where(eq(schema.planVersions.conferenceId, conferenceId))
		.orderBy(desc(schema.planVersions.version))
		.limit(1);
	return version ?? null;
}

export async function nextPlanVersionNumber(conferenceId: string): Promise<number> {
	const db = await getDb();
	const [row] = await db
		.select({ highest: max(schema.planVersions.version) })
		.from(schema.planVersions)
		.where(eq(schema.planVersions.conferenceId, conferenceId));
	return (row?.highest ?? 0) + 1;
}

/**
 * The coordinator's task ends on its own: an accepted conference is closed after a set time
 * (KRING_CLOSE_ACCEPTED_AFTER_DAYS, default 30), which ends the coordinator's access.
 * Safe on several instances: the phase only moves once.
 */
export async function closeLongAcceptedConferences(now = Date.now()): Promise<number> {
	const afterMs = config().closeAcceptedAfterMs;
	const db = await getDb();
	const due = await db
		.select({ id: schema.conferences.id })
		.from(schema.conferences)
		.where(
			and(eq(schema.conferences.phase, 'accepted'), lt(schema.conferences.phaseChangedAt, new Date(now - afterMs)))
		);
	let closed = 0;
	for (const { id } of due) {
		try {
			await setPhase(id, 'accepted', 'closed');
		} catch (error) {
			if (error instanceof KringError) continue;
			throw error;
		}
		await recordAudit(id, SYSTEM_ACTOR, 'phase.changed', 'accepted → closed');
		closed++;
	}
	return closed;
}
