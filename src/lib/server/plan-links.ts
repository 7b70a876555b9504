import { and, eq, isNull } from 'drizzle-orm';
import { planIsAccepted } from '$lib/conference/phases';
import { actorOf, memberCan, type Member } from './members';
import { recordAudit } from './audit';
import { getDb, schema } from './db';
import { KringError } from './errors';
import { generateId, generateToken, hashToken } from './ids';
import { createSession } from './sessions';

/**
 * A family member's own way back to the accepted plan (docs/design.md §6): a link made on their
 * board and shown once, stored as the SHA-256 of its token. It opens a new session for the same
 * place in the conference, so it outlives the device's session and the closing of the conference,
 * until the conference is erased. Making a new one revokes the old; each use is logged.
 */
export async function makePlanLink(member: Member): Promise<string> {
	if (!memberCan(member, 'make_plan_link')) throw new KringError('not_allowed', 403);
	const db = await getDb();
	const token = generateToken();
	await db.transaction(async (tx) => {
		await tx
			.update(schema.planLinks)
			.set({ revokedAt: new Date() })
			.where(and(eq(schema.planLinks.participantId, member.participantId), isNull(schema.planLinks.revokedAt)));
		await tx.insert(schema.planLinks).values({
			id: generateId(),
			tokenHash: hashToken(token),
			conferenceId: member.conference.id,
			participantId: member.participantId
		});
	});
	await recordAudit(member.conference.id, actorOf(member), 'plan_link.made');
	return token;
}

export async function revokePlanLink(member: Member): Promise<void> {
	if (!memberCan(member, 'make_plan_link')) throw new KringError('not_allowed', 403);
	const db = await getDb();
	await db
		.update(schema.planLinks)
		.set({ revokedAt: new Date() })
		.where(and(eq(schema.planLinks.participantId, member.participantId), isNull(schema.planLinks.revokedAt)));
	await recordAudit(member.conference.id, actorOf(member), 'plan_link.revoked');
}

/** Whether this member has a link that still works, and since when (the board shows it, never the token). */
export async function planLinkOf(member: Member): Promise<{ madeAt: string; lastUsedAt: string | null } | null> {
	if (!memberCan(member, 'make_plan_link')) return null;
	const db = await getDb();
	const [row] = await db
		.select()
		.from(schema.planLinks)
		.where(and(eq(schema.planLinks.participantId, member.participantId), isNull(schema.planLinks.revokedAt)))
		.limit(1);
	return row ? { madeAt: row.createdAt.toISOString(), lastUsedAt: row.lastUsedAt?.toISOString() ?? null } : null;
}

/** The conference a plan link leads to, or 404 (a guess, a revoked link, a plan not accepted). */
export async function findPlanLink(token: string) {
	if (!/^[a-z2-7]{32}$/.test(token)) throw new KringError('plan_link_unknown', 404);
	const db = await getDb();
	const [row] = await db
		.select({ link: schema.planLinks, participant: schema.participants, conference: schema.conferences })
		.from(schema.planLinks)
		.innerJoin(schema.participants, eq(schema.planLinks.participantId, schema.participants.id))
		.innerJoin(schema.conferences, eq(schema.planLinks.conferenceId, schema.conferences.id))
		.where(eq(schema.planLinks.tokenHash, hashToken(token)))
		.limit(1);
	if (
		!row ||
		row.link.revokedAt ||
		row.participant.status !== 'active' ||
		row.participant.role !== 'family' ||
		!planIsAccepted(row.conference.phase)
	) {
		throw new KringError('plan_link_unknown', 404);
	}
	return row;
}

/** Opens a session on this device for the link's family member, and logs the use. */
export async function usePlanLink(token: string): Promise<{ conferenceId: string; token: string; expiresAt: Date }> {
	const { link, participant, conference } = await findPlanLink(token);
	const db = await getDb();
	await db.update(schema.planLinks).set({ lastUsedAt: new Date() }).where(eq(schema.planLinks.id, link.id));
	const session = await createSession({ participantId: participant.id });
	await recordAudit(conference.id, { name: participant.displayName, role: 'family' }, 'plan_link.used');
	return { conferenceId: conference.id, ...session };
}
