import { and, desc, eq, sql } from 'drizzle-orm';
import { recordAudit } from './audit';
import { getDb, schema } from './db';
import { KringError } from './errors';
import { generateId, generateRoomCode, generateToken } from './ids';
import { newFamilyInvite } from './invites';
import { memberCan } from '$lib/conference/permissions';
import type { Member } from './members';
import { runtime } from './runtime';

export type { Conference } from './db/schema';
import type { Conference } from './db/schema';

export async function getConference(conferenceId: string): Promise<Conference | null> {
	const db = await getDb();
	const [row] = await db.select().from(schema.conferences).where(eq(schema.conferences.id, conferenceId)).limit(1);
	return row ?? null;
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
		await tx.insert(schema.invites).values(newFamilyInvite(id, familyInviteToken));
		return created;
	});
	await recordAudit(id, { name: coordinator.name, role: 'coordinator' }, 'conference.created');
	return { conference, familyInviteToken };
}

export async function updateQuestion(member: Member, question: string): Promise<void> {
	if (!memberCan(member, 'edit_question')) throw new KringError('not_allowed', 403);
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
			// An evaluation conference, and the demo, are told apart on the staff page.
			evaluation: sql<boolean>`${schema.conferences.followsConferenceId} is not null`,
			demo: schema.conferences.demo,
			createdAt: schema.conferences.createdAt
		})
		.from(schema.participants)
		.innerJoin(schema.conferences, eq(schema.participants.conferenceId, schema.conferences.id))
		.where(and(eq(schema.participants.userId, userId), eq(schema.participants.status, 'active')))
		.orderBy(desc(schema.conferences.createdAt));
}
