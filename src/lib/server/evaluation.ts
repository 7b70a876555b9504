import * as Y from 'yjs';
import { eq } from 'drizzle-orm';
import { htmlBlocks } from '$lib/plan/accepted';
import type { FrozenPlan } from '$lib/plan/shape';
import { writeBrief, writePlan } from '$lib/plan/starting-point';
import { actorOf, memberCan, type Member } from './members';
import { recordAudit } from './audit';
import { createConference } from './conferences';
import { getDb, schema } from './db';
import { KringError } from './errors';
import { latestPlanVersion, parseFrozen } from './plan-versions';

/**
 * The coordinator starts an evaluation conference from an accepted one (docs/design.md §1, §7):
 * a new conference in preparation that names the earlier one, with the question, the concerns and
 * conditions and the agreements of the accepted version as its starting point. The earlier
 * conference and its frozen version are not touched.
 */
export async function startEvaluation(member: Member, userId: string): Promise<string> {
	if (!memberCan(member, 'start_evaluation')) throw new KringError('not_allowed', 403);
	const version = await latestPlanVersion(member.conference.id);
	if (!version) throw new KringError('not_allowed', 403);
	const frozen = parseFrozen(version.content);
	const { conference } = await createConference(
		{ userId, name: member.name },
		{ title: member.conference.title, question: frozen.question, language: member.conference.language }
	);
	const db = await getDb();
	await db.transaction(async (tx) => {
		await tx
			.update(schema.conferences)
			.set({ followsConferenceId: member.conference.id })
			.where(eq(schema.conferences.id, conference.id));
		for (const [documentName, state] of startingDocuments(frozen)) {
			await tx
				.insert(schema.docSnapshots)
				.values({ conferenceId: conference.id, documentName, state, upToUpdateId: 0 });
		}
	});
	await recordAudit(member.conference.id, actorOf(member), 'evaluation.started', `version ${version.version}`);
	await recordAudit(conference.id, actorOf(member), 'evaluation.started', `version ${version.version}`);
	return conference.id;
}

/** The brief and the plan of a frozen version as the Yjs states a new conference starts from. */
export function startingDocuments(frozen: FrozenPlan): ['brief' | 'plan', Uint8Array][] {
	const brief = new Y.Doc();
	writeBrief(brief, frozen.brief);
	const plan = new Y.Doc();
	writePlan(plan, {
		agreements: frozen.plan.agreements.map((agreement) => ({
			theme: agreement.theme,
			who: agreement.who,
			when: agreement.when,
			answers: agreement.answers,
			paragraphs: htmlBlocks(agreement.html).map((block) =>
				block.bullet ? `${block.bullet} ${block.text}` : block.text
			),
			// Nobody typed it in this conference: it came from the accepted plan.
			createdBy: 'Kring'
		})),
		groundRules: frozen.plan.groundRules,
		monitor: frozen.plan.monitor,
		evaluation: frozen.plan.evaluation,
		contingency: frozen.plan.contingency
	});
	return [
		['brief', Y.encodeStateAsUpdate(brief)],
		['plan', Y.encodeStateAsUpdate(plan)]
	];
}

/** What a conference started from: the earlier conference's title, version and acceptance, and who took part. */
export async function earlierPlanOf(conference: { followsConferenceId: string | null }) {
	if (!conference.followsConferenceId) return null;
	const version = await latestPlanVersion(conference.followsConferenceId);
	if (!version) return null;
	const frozen = parseFrozen(version.content);
	return {
		version: version.version,
		acceptedAt: frozen.acceptedAt,
		// The circle of last time, names only, so that the coordinator can invite them again.
		circle: (frozen.people ?? []).filter((person) => person.role === 'family').map((person) => person.name)
	};
}
