import { sha256 } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import { and, eq, gte, isNull } from 'drizzle-orm';
import * as Y from 'yjs';
import { acceptanceBy } from '$lib/conference/permissions';
import { planFingerprint } from '$lib/plan/fingerprint';
import { canonicalJson, emptyTheBin, readBrief, readPlan, type FrozenPerson, type FrozenPlan } from '$lib/plan/shape';
import { recordAudit } from './audit';
import { getConference } from './conferences';
import { getDb, schema } from './db';
import { KringError } from './errors';
import { actorOf, listParticipants, memberCan, type Member } from './members';
import { assertPlanReady, setPhase } from './phase-changes';
import { nextPlanVersionNumber } from './plan-versions';
import { compactFrozenDocuments } from './retention';
import { runtime } from './runtime';

export type AcceptOutcome = { accepted: true; version: number; sha256: string } | { accepted: false };

/**
 * One acceptance, the way the method says (docs/design.md §7). With professionals in the
 * conference each accepts for themselves, with their conditions; that resolves the questions they
 * put on cards, and once every professional in the conference has accepted the plan as it stands,
 * the plan is frozen with all their conditions. With no professional, the coordinator records the
 * family's plan as accepted at once.
 *
 * `seenFingerprint` is the planFingerprint of the plan on the accepting person's screen. It must be
 * the stored plan's: nobody accepts words they have not seen, and an acceptance given before the
 * family changed the plan again no longer counts.
 */
export async function acceptPlan(member: Member, conditions: string, seenFingerprint: string): Promise<AcceptOutcome> {
	if (!memberCan(member, 'accept')) throw new KringError('phase_change_not_allowed', 403);
	const conferenceId = member.conference.id;
	const professionals = (await listParticipants(conferenceId)).filter(
		(participant) => participant.role === 'professional' && participant.status === 'active'
	);
	const how = acceptanceBy(member.role, professionals.length);
	if (how === null) throw new KringError('accepted_by_professionals', 403);
	const trimmed = conditions.trim().slice(0, 4000);
	const stored = await storedPlanFingerprint(conferenceId);
	if (seenFingerprint !== stored) throw new KringError('plan_changed', 409);
	// The family may still amend while presenting, even bin its last card: what is accepted meets
	// the same check as the end of private time.
	await assertPlanReady(conferenceId);
	if (how === 'whole') return { accepted: true, ...(await freezePlan(member, trimmed, [member.name], stored)) };

	const db = await getDb();
	const now = new Date();
	await db.transaction(async (tx) => {
		await tx
			.insert(schema.acceptances)
			.values({
				conferenceId,
				participantId: member.participantId,
				conditions: trimmed,
				acceptedAt: now,
				planFingerprint: stored
			})
			.onConflictDoUpdate({
				target: [schema.acceptances.conferenceId, schema.acceptances.participantId],
				set: { conditions: trimmed, acceptedAt: now, planFingerprint: stored }
			});
		await tx
			.update(schema.cardQuestions)
			.set({ resolvedAt: now })
			.where(
				and(
					eq(schema.cardQuestions.conferenceId, conferenceId),
					eq(schema.cardQuestions.askedBy, member.participantId),
					isNull(schema.cardQuestions.resolvedAt)
				)
			);
	});
	await recordAudit(conferenceId, actorOf(member), 'acceptance.given');
	const given = standingAcceptances(await acceptancesGiven(member.conference), stored);
	if (professionals.some((professional) => !given.has(professional.id))) {
		runtime().bus.publish({ type: 'status', conferenceId });
		return { accepted: false };
	}
	// Every professional's conditions are part of the frozen version, under their name.
	const allConditions = professionals
		.filter((professional) => given.get(professional.id)?.trim())
		.map((professional) =>
			professionals.length === 1
				? given.get(professional.id)!
				: `${professional.displayName}: ${given.get(professional.id)}`
		)
		.join('\n\n');
	return {
		accepted: true,
		...(await freezePlan(
			member,
			allConditions,
			professionals.map((professional) => professional.displayName),
			stored
		))
	};
}

export type Acceptance = { conditions: string; planFingerprint: string };

/** The stored plan's planFingerprint: what an acceptance must name to count. */
export async function storedPlanFingerprint(conferenceId: string): Promise<string> {
	return planFingerprint(docFrom(await runtime().docStore.loadState(conferenceId, 'plan')));
}

/** The acceptances that name the plan as it stands now, with their conditions. */
export function standingAcceptances(given: Map<string, Acceptance>, fingerprint: string): Map<string, string> {
	return new Map(
		[...given]
			.filter(([, acceptance]) => acceptance.planFingerprint === fingerprint)
			.map(([id, a]) => [id, a.conditions])
	);
}

/** The participants who have accepted in this presentation, each with the plan they accepted. */
export async function acceptancesGiven(conference: {
	id: string;
	phaseChangedAt: Date;
}): Promise<Map<string, Acceptance>> {
	const db = await getDb();
	const rows = await db
		.select()
		.from(schema.acceptances)
		.where(
			and(
				eq(schema.acceptances.conferenceId, conference.id),
				// Given in this presentation: after the family took more time, the plan is presented anew.
				gte(schema.acceptances.acceptedAt, conference.phaseChangedAt)
			)
		);
	return new Map(
		rows.map((row) => [row.participantId, { conditions: row.conditions, planFingerprint: row.planFingerprint }])
	);
}

/**
 * Accepts the plan: the conference moves to `accepted` first, then the stored plan and brief are
 * frozen as the next version with a SHA-256 of their canonical JSON. The store fences every write
 * against the stored phase in the transaction that stores it (doc-store.ts), and the phase change
 * waits for any such transaction still running: once the move is committed, no update of either
 * document is stored any more, on any instance, whether or not the news has reached it. What the
 * database holds then is the last state, and that is what is frozen.
 */
async function freezePlan(
	member: Member,
	trimmedConditions: string,
	acceptedBy: string[],
	acceptedFingerprint: string
): Promise<{ version: number; sha256: string }> {
	const conferenceId = member.conference.id;
	await setPhase(conferenceId, 'presentation', 'accepted');
	let frozenVersion: { version: number; sha256: string };
	try {
		const conference = await getConference(conferenceId);
		const [planState, briefState, participants] = await Promise.all([
			runtime().docStore.loadState(conferenceId, 'plan'),
			runtime().docStore.loadState(conferenceId, 'brief'),
			listParticipants(conferenceId)
		]);
		// The frozen version keeps no card from the bin, not even in its Yjs state.
		const planDoc = docFrom(planState);
		// A change stored between the acceptance and the phase change: what would be frozen is not
		// what was accepted. The phase goes back, and the plan is accepted again as it is now.
		if (planFingerprint(planDoc) !== acceptedFingerprint) throw new KringError('plan_changed', 409);
		emptyTheBin(planDoc);
		const plan = readPlan(planDoc);
		const brief = readBrief(docFrom(briefState));
		const version = await nextPlanVersionNumber(conferenceId);
		const acceptedAt = new Date();
		const frozen: FrozenPlan = {
			version,
			conferenceTitle: conference?.title ?? '',
			question: conference?.question ?? '',
			brief,
			plan,
			acceptedBy: acceptedBy.join(', '),
			acceptedByRole: member.role,
			conditions: trimmedConditions,
			acceptedAt: acceptedAt.toISOString(),
			people: peopleOf(participants)
		};
		const content = canonicalJson(frozen);
		const hash = encodeHexLowerCase(sha256(new TextEncoder().encode(content)));
		const db = await getDb();
		await db.insert(schema.planVersions).values({
			conferenceId,
			version,
			content,
			sha256: hash,
			planState: Y.encodeStateAsUpdate(planDoc),
			briefState: briefState ?? Y.encodeStateAsUpdate(new Y.Doc()),
			acceptedBy: acceptedBy.join(', '),
			acceptedByRole: member.role,
			conditions: trimmedConditions,
			acceptedAt
		});
		await recordAudit(
			conferenceId,
			actorOf(member),
			'plan.accepted',
			`version ${version}, sha256 ${hash.slice(0, 16)}`
		);
		frozenVersion = { version, sha256: hash };
	} catch (error) {
		// Nothing was frozen: the family can keep working and acceptance can be tried again.
		await setPhase(conferenceId, 'accepted', 'presentation').catch(() => {});
		throw error;
	}
	// The version is stored: the working drafts go (housekeeping tries again if this fails).
	await compactFrozenDocuments(conferenceId);
	// Boards reloaded at the phase change, before the version existed: nudge them again.
	runtime().bus.publish({ type: 'status', conferenceId });
	return frozenVersion;
}

/**
 * Who was in when the plan was accepted, in the order they joined: the family with where they
 * took part from, the staff with their role. A person on two devices is named once.
 */
function peopleOf(participants: Awaited<ReturnType<typeof listParticipants>>): FrozenPerson[] {
	const people = new Map<string, FrozenPerson>();
	for (const participant of participants) {
		if (participant.status !== 'active') continue;
		const person: FrozenPerson = {
			name: participant.displayName,
			role: participant.role,
			presence: participant.role === 'family' ? participant.presence : null
		};
		people.set(JSON.stringify(person), person);
	}
	return [...people.values()];
}

function docFrom(state: Uint8Array | null): Y.Doc {
	const doc = new Y.Doc();
	if (state) Y.applyUpdate(doc, state);
	return doc;
}
