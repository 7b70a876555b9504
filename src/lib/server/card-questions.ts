import { and, asc, eq, isNull } from 'drizzle-orm';
import * as Y from 'yjs';
import { agreementsOf } from '$lib/plan/shape';
import { recordAudit } from './audit';
import { getDb, schema } from './db';
import { KringError } from './errors';
import { generateId } from './ids';
import { actorOf, memberCan, type Member } from './members';
import { runtime } from './runtime';

/**
 * A professional's questions on agreement cards during the presentation (docs/design.md §7). A
 * question is the professional's, not plan content: it is kept here, shown on its card to everyone
 * who may read the plan, and logged without its words. It stays open until the professional who
 * asked accepts the plan (acceptance.ts); asking withdraws that professional's acceptance.
 */

export type OpenQuestion = { id: string; agreementId: string; askedBy: string; by: string; reason: string };

export const MAX_REASON_LENGTH = 1000;

export async function questionCard(member: Member, agreementId: string, reason: string): Promise<void> {
	if (!memberCan(member, 'question_card')) throw new KringError('not_allowed', 403);
	const trimmed = reason.trim().slice(0, MAX_REASON_LENGTH);
	if (!trimmed) throw new KringError('reason_required');
	const conferenceId = member.conference.id;
	// The card must be in the plan as it is stored: a question on nothing helps nobody.
	const state = await runtime().docStore.loadState(conferenceId, 'plan');
	const plan = new Y.Doc();
	if (state) Y.applyUpdate(plan, state);
	const found = agreementsOf(plan)
		.toArray()
		.some((agreement) => agreement.get('id') === agreementId);
	plan.destroy();
	if (!found) throw new KringError('not_found', 404);
	const db = await getDb();
	await db.transaction(async (tx) => {
		await tx.insert(schema.cardQuestions).values({
			id: generateId(),
			conferenceId,
			agreementId,
			askedBy: member.participantId,
			reason: trimmed
		});
		// Asking again is not accepting: an acceptance given earlier is withdrawn.
		await tx
			.delete(schema.acceptances)
			.where(
				and(
					eq(schema.acceptances.conferenceId, conferenceId),
					eq(schema.acceptances.participantId, member.participantId)
				)
			);
	});
	await recordAudit(conferenceId, actorOf(member), 'card.questioned');
	// Every open board reloads its data and shows the question on the card.
	runtime().bus.publish({ type: 'status', conferenceId });
}

/** The open questions of a conference, oldest first, with who asked. */
export async function openQuestions(conferenceId: string): Promise<OpenQuestion[]> {
	const db = await getDb();
	return db
		.select({
			id: schema.cardQuestions.id,
			agreementId: schema.cardQuestions.agreementId,
			askedBy: schema.cardQuestions.askedBy,
			by: schema.participants.displayName,
			reason: schema.cardQuestions.reason
		})
		.from(schema.cardQuestions)
		.innerJoin(schema.participants, eq(schema.participants.id, schema.cardQuestions.askedBy))
		.where(and(eq(schema.cardQuestions.conferenceId, conferenceId), isNull(schema.cardQuestions.resolvedAt)))
		.orderBy(asc(schema.cardQuestions.askedAt));
}
