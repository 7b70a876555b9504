import { and, eq, lt, sql } from 'drizzle-orm';
import * as Y from 'yjs';
import { confirmsTheCircle, phaseChangeAction, sendsTheUnconfirmedToTheDoor } from '$lib/conference/permissions';
import type { Phase } from '$lib/conference/phases';
import { CONFERENCE_TIME_ZONE, planReadiness, todayIn, type ReadinessGap } from '$lib/plan/readiness';
import { readPlan } from '$lib/plan/shape';
import { recordAudit, SYSTEM_ACTOR } from './audit';
import type { Conference } from './conferences';
import { config } from './config';
import { getDb, schema, type Transaction } from './db';
import { sendTheUnconfirmedToTheDoor, unconfirmTheCircle } from './door';
import { KringError } from './errors';
import { actorOf, countActiveFamily, memberCan, type Member } from './members';
import { runtime } from './runtime';

/**
 * Moves the conference to another phase when this member may make that move. The change is
 * committed first, then published: every open connection on this instance is re-evaluated before
 * the call returns, on the others when the news arrives or at their next lease (docs/design.md §5.3).
 * At the hand-over, in the same transaction, every family device becomes unconfirmed and its
 * sockets close: the family confirms its circle before anyone receives private time (§6).
 */
export async function changePhase(member: Member, to: Phase): Promise<Conference> {
	const conferenceId = member.conference.id;
	const from = member.conference.phase;
	const action = phaseChangeAction(from, to);
	if (action === null || !memberCan(member, action)) throw new KringError('phase_change_not_allowed', 403);
	// Accepting freezes the plan as a version: that is acceptPlan's work, not a bare phase change.
	if (action === 'accept') throw new KringError('use_accept', 400);
	if (action === 'hand_over' && (await countActiveFamily(conferenceId)) === 0)
		throw new KringError('no_family_yet', 409);
	if (action === 'end_private_time') await assertPlanReady(conferenceId);
	const unconfirmed: string[] = [];
	const updated = await setPhase(
		conferenceId,
		from,
		to,
		{},
		confirmsTheCircle(action)
			? async (tx) => void unconfirmed.push(...(await unconfirmTheCircle(tx, conferenceId)))
			: undefined
	);
	for (const participantId of unconfirmed)
		runtime().bus.publish({ type: 'participant-removed', conferenceId, participantId });
	await recordAudit(conferenceId, actorOf(member), 'phase.changed', `${from} → ${to}`);
	if (sendsTheUnconfirmedToTheDoor(action)) await sendTheUnconfirmedToTheDoor(conferenceId);
	return updated;
}

/**
 * The compare-and-set of a phase change; `alongside` runs in the same transaction, so that what
 * belongs to the move (the family's circle at the hand-over) is committed with it or not at all.
 */
export async function setPhase(
	conferenceId: string,
	from: Phase,
	to: Phase,
	extra: Partial<Conference> = {},
	alongside?: (tx: Transaction) => Promise<void>
): Promise<Conference> {
	const db = await getDb();
	const updated = await db.transaction(async (tx) => {
		const [updated] = await tx
			.update(schema.conferences)
			.set({
				phase: to,
				// Raised in the same update: the database, not an instance's clock, orders phase news.
				phaseVersion: sql`${schema.conferences.phaseVersion} + 1`,
				phaseChangedAt: new Date(),
				knockedAt: null,
				notYetAt: null,
				...extra
			})
			.where(and(eq(schema.conferences.id, conferenceId), eq(schema.conferences.phase, from)))
			.returning();
		// Someone else moved the conference on in the meantime: nothing changes.
		if (!updated) throw new KringError('phase_changed_meanwhile', 409);
		await alongside?.(tx);
		return updated;
	});
	runtime().bus.publish({ type: 'phase', conferenceId, phase: to, version: updated.phaseVersion });
	return updated;
}

export async function knock(member: Member): Promise<void> {
	if (!memberCan(member, 'knock')) throw new KringError('not_allowed', 403);
	const db = await getDb();
	await db
		.update(schema.conferences)
		.set({ knockedAt: new Date(), notYetAt: null })
		.where(eq(schema.conferences.id, member.conference.id));
	await recordAudit(member.conference.id, actorOf(member), 'knock');
	runtime().bus.publish({ type: 'status', conferenceId: member.conference.id });
}

/** The plan lacks what it needs before private time ends; `missing` names it (docs/design.md §1). */
export class PlanNotReadyError extends KringError {
	constructor(readonly missing: ReadinessGap[]) {
		super('plan_not_ready', 409);
	}
}

/**
 * Private time ends only with a plan that has an agreement, an evaluation date after today and an
 * answer to "what if it goes differently", read from the stored plan: what a phone says about it
 * does not count. A phone's last keystrokes are in it once the board shows them, since a change is
 * stored before anyone receives it (§5.2).
 */
export async function assertPlanReady(conferenceId: string, now = new Date()): Promise<void> {
	const state = await runtime().docStore.loadState(conferenceId, 'plan');
	const doc = new Y.Doc();
	try {
		if (state) Y.applyUpdate(doc, state);
		const readiness = planReadiness(readPlan(doc), todayIn(CONFERENCE_TIME_ZONE, now));
		if (!readiness.ready) throw new PlanNotReadyError(readiness.missing);
	} finally {
		doc.destroy();
	}
}

/**
 * The family answers a knock. "We are coming" ends private time as the family's own decision, so
 * it meets the same plan check as "Wij zijn klaar", before the knock is answered at all.
 */
export async function answerKnock(member: Member, answer: 'coming' | 'need_more_time'): Promise<void> {
	if (!memberCan(member, 'answer_knock')) throw new KringError('not_allowed', 403);
	if (answer === 'coming') await assertPlanReady(member.conference.id);
	const db = await getDb();
	// "Not yet" is kept for the coordinator, who knocked and waits for an answer.
	await db
		.update(schema.conferences)
		.set({ knockedAt: null, notYetAt: answer === 'need_more_time' ? new Date() : null })
		.where(eq(schema.conferences.id, member.conference.id));
	await recordAudit(member.conference.id, actorOf(member), 'knock.answered', answer);
	runtime().bus.publish({ type: 'status', conferenceId: member.conference.id });
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
