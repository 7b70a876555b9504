import { and, eq } from 'drizzle-orm';
import { planIsAccepted } from '$lib/conference/phases';
import { evaluationDayFrom } from '$lib/plan/evaluation-day';
import type { FrozenPlan } from '$lib/plan/shape';
import { actorOf, documentAccess, memberCan, type Member } from './members';
import { recordAudit } from './audit';
import { getDb, schema } from './db';
import { KringError } from './errors';
import { latestPlanVersion, parseFrozen } from './plan-versions';
import { runtime } from './runtime';

export type TickState = 'done' | 'not_yet';
export type Tick = { state: TickState; note: string; by: string; byRole: string; at: string };

const DAY = 24 * 60 * 60 * 1000;
const NOTE_MAX = 500;

/**
 * The follow-up of the accepted plan (docs/design.md §7): which agreements the family says are done
 * or not yet, and the evaluation date with the days until it. Whoever may read the frozen plan sees
 * it; it is kept beside the frozen version, never in it.
 */
export async function followUpOf(member: Member, now = new Date()) {
	const { conference } = member;
	if (documentAccess(member, 'plan') === 'none' || !planIsAccepted(conference.phase)) return null;
	const version = await latestPlanVersion(conference.id);
	if (!version) return null;
	const db = await getDb();
	const rows = await db
		.select()
		.from(schema.agreementTicks)
		.where(
			and(eq(schema.agreementTicks.conferenceId, conference.id), eq(schema.agreementTicks.version, version.version))
		);
	const ticks: Record<string, Tick> = {};
	for (const row of rows) {
		ticks[row.agreementId] = {
			state: row.state,
			note: row.note,
			by: row.byName,
			byRole: row.byRole,
			at: row.at.toISOString()
		};
	}
	return { version: version.version, ticks, evaluation: evaluationOf(conference, parseFrozen(version.content), now) };
}

/**
 * The evaluation day: the one set after acceptance, else the one the family's words name
 * ("over drie maanden" after the day of acceptance), with the days until it.
 */
export function evaluationOf(conference: { evaluationOn: string | null }, frozen: FrozenPlan, now = new Date()) {
	if (conference.evaluationOn) return evaluationCountdown(conference.evaluationOn, now, false);
	const fromWords = evaluationDayFrom(frozen.plan.evaluation, new Date(frozen.acceptedAt));
	return evaluationCountdown(fromWords, now, true);
}

export type FollowUp = NonNullable<Awaited<ReturnType<typeof followUpOf>>>;

/** The evaluation day and the whole days until it (negative once past), counted in UTC. */
export function evaluationCountdown(
	on: string | null,
	now: Date,
	fromWords = false
): { on: string; daysUntil: number; fromWords: boolean } | null {
	if (!on || !isDay(on)) return null;
	const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
	return { on, daysUntil: Math.round((Date.parse(`${on}T00:00:00Z`) - today) / DAY), fromWords };
}

function isDay(value: string): boolean {
	return /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}

/** A family member says an agreement of the accepted plan is done, or not yet (with a note). */
export async function tickAgreement(
	member: Member,
	input: { agreementId: string; state: string; note: string }
): Promise<void> {
	if (!memberCan(member, 'tick_agreement')) throw new KringError('not_allowed', 403);
	const state: TickState = input.state === 'done' ? 'done' : 'not_yet';
	const note = input.note.trim();
	if (note.length > NOTE_MAX) throw new KringError('too_large', 413);
	const version = await latestPlanVersion(member.conference.id);
	if (!version) throw new KringError('not_allowed', 403);
	const frozen = parseFrozen(version.content);
	if (!frozen.plan.agreements.some((agreement) => agreement.id === input.agreementId)) {
		throw new KringError('not_found', 404);
	}
	const db = await getDb();
	const values = {
		conferenceId: member.conference.id,
		version: version.version,
		agreementId: input.agreementId,
		state,
		note,
		byName: member.name,
		byRole: member.role,
		at: new Date()
	};
	await db
		.insert(schema.agreementTicks)
		.values(values)
		.onConflictDoUpdate({
			target: [schema.agreementTicks.conferenceId, schema.agreementTicks.version, schema.agreementTicks.agreementId],
			set: { state, note, byName: values.byName, byRole: values.byRole, at: values.at }
		});
	// Which agreement and what was said stay out of the log: they are the family's content.
	await recordAudit(member.conference.id, actorOf(member), 'agreement.ticked', `version ${version.version}`);
	runtime().bus.publish({ type: 'status', conferenceId: member.conference.id });
}

/** The day of the evaluation, for the countdown on every board; empty clears it. */
export async function setEvaluationDate(member: Member, on: string): Promise<void> {
	if (!memberCan(member, 'set_evaluation_date')) throw new KringError('not_allowed', 403);
	const day = on.trim();
	if (day !== '' && !isDay(day)) throw new KringError('date_invalid');
	const db = await getDb();
	await db
		.update(schema.conferences)
		.set({ evaluationOn: day || null })
		.where(eq(schema.conferences.id, member.conference.id));
	await recordAudit(member.conference.id, actorOf(member), 'evaluation.dated', day);
	runtime().bus.publish({ type: 'status', conferenceId: member.conference.id });
}
