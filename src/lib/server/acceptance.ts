import { sha256 } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import * as Y from 'yjs';
import { canonicalJson, emptyTheBin, readBrief, readPlan, type FrozenPerson, type FrozenPlan } from '$lib/plan/shape';
import { recordAudit } from './audit';
import { getConference } from './conferences';
import { getDb, schema } from './db';
import { KringError } from './errors';
import { actorOf, listParticipants, memberCan, type Member } from './members';
import { setPhase } from './phase-changes';
import { nextPlanVersionNumber } from './plan-versions';
import { compactFrozenDocuments } from './retention';
import { runtime } from './runtime';

/**
 * Accepts the plan: the conference moves to `accepted` first, then the stored plan and brief are
 * frozen as the next version with a SHA-256 of their canonical JSON. The store fences every write
 * against the stored phase in the transaction that stores it (doc-store.ts), and the phase change
 * waits for any such transaction still running: once the move is committed, no update of either
 * document is stored any more, on any instance, whether or not the news has reached it. What the
 * database holds then is the last state, and that is what is frozen.
 */
export async function acceptPlan(member: Member, conditions: string): Promise<{ version: number; sha256: string }> {
	if (!memberCan(member, 'accept')) throw new KringError('phase_change_not_allowed', 403);
	const trimmedConditions = conditions.trim().slice(0, 4000);
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
			acceptedBy: member.name,
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
			acceptedBy: member.name,
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
