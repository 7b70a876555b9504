import * as Y from 'yjs';
import { and, eq, inArray } from 'drizzle-orm';
import type { Phase } from '$lib/conference/phases';
import { newId } from '$lib/plan/shape';
import { writeBrief, writePlan } from '$lib/plan/starting-point';
import { acceptPlan, storedPlanFingerprint } from './acceptance';
import { recordAudit } from './audit';
import { createConference } from './conferences';
import { getDb, schema } from './db';
import johan from './demo-johan.json';
import { generateId } from './ids';
import type { Member } from './members';
import { eraseConference } from './retention';

/**
 * The demo `npm start` offers on an empty database (docs/design.md §5.1): Johan's conference
 * (a copy of tests/fixtures/johan.json, bundled with the app) once in every phase, with its
 * example people, so that a newcomer sees a full board, the big screen and the PDF at once.
 * Every row is marked `demo`; `eraseDemo` takes all of it away again.
 */
const DEMO_PHASES: readonly Phase[] = ['preparation', 'information', 'private', 'presentation', 'accepted'];
const CONTINGENCY =
	'Als het niet lukt, belt oom Herman de gezinsvoogd en komen we binnen twee weken opnieuw bij elkaar.';

const inThreeMonths = () => new Date(Date.now() + 91 * 24 * 3600_000).toISOString().slice(0, 10);

export async function createDemo(coordinator: { userId: string; name: string }): Promise<void> {
	const db = await getDb();
	const guardian = johan.participants.find((person) => person.role === 'professional')!;
	const guardianId = generateId();
	await db.insert(schema.users).values({
		id: guardianId,
		// Never signs in: no password, and an address that cannot exist (RFC 2606).
		email: `demo-${guardianId}@kring.invalid`,
		name: guardian.name,
		role: 'professional',
		demo: 1
	});
	for (const phase of DEMO_PHASES) await demoConference(coordinator, { id: guardianId, name: guardian.name }, phase);
}

async function demoConference(
	coordinator: { userId: string; name: string },
	guardian: { id: string; name: string },
	phase: Phase
): Promise<void> {
	const db = await getDb();
	const { conference } = await createConference(coordinator, {
		title: `${johan.title} (demo)`,
		question: johan.question,
		language: johan.language
	});
	const family = johan.participants.filter((person) => person.role === 'family');
	await db.insert(schema.participants).values([
		...family.map((person) => ({
			id: generateId(),
			conferenceId: conference.id,
			role: 'family' as const,
			displayName: person.name,
			presence: person.presence as 'room' | 'remote'
		})),
		{
			id: generateId(),
			conferenceId: conference.id,
			userId: guardian.id,
			role: 'professional',
			displayName: guardian.name
		}
	]);
	// The brief from the information round on, the plan from private time on.
	const ids = new Map([...johan.concerns, ...johan.conditions].map((item) => [item.id, newId()]));
	const documents: ['brief' | 'plan', Y.Doc][] = [];
	if (phase !== 'preparation') {
		const brief = new Y.Doc();
		writeBrief(brief, {
			concerns: johan.concerns.map((item) => ({ ...item, id: ids.get(item.id)! })),
			conditions: johan.conditions.map((item) => ({ ...item, theme: 'other', id: ids.get(item.id)! }))
		});
		documents.push(['brief', brief]);
	}
	if (phase !== 'preparation' && phase !== 'information') {
		const plan = new Y.Doc();
		writePlan(plan, {
			agreements: johan.plan.agreements.map((agreement) => ({
				theme: agreement.theme,
				who: agreement.who,
				when: agreement.when,
				answers: agreement.answers.map((id) => ids.get(id)!),
				paragraphs: [agreement.text],
				createdBy: agreement.who[0] ?? 'Johan'
			})),
			groundRules: johan.plan.groundRules,
			monitor: johan.plan.monitor,
			// A real date, as the readiness check asks of every plan that leaves private time.
			evaluation: inThreeMonths(),
			contingency: CONTINGENCY
		});
		documents.push(['plan', plan]);
	}
	for (const [documentName, doc] of documents) {
		const state = Y.encodeStateAsUpdate(doc);
		await db.insert(schema.docSnapshots).values({ conferenceId: conference.id, documentName, state, upToUpdateId: 0 });
	}
	const moved = phase === 'accepted' ? 'presentation' : phase;
	const [updated] = await db
		.update(schema.conferences)
		.set({ demo: 1, phase: moved, phaseVersion: DEMO_PHASES.indexOf(moved) })
		.where(eq(schema.conferences.id, conference.id))
		.returning();
	await recordAudit(conference.id, { name: coordinator.name, role: 'coordinator' }, 'demo.created');
	if (phase !== 'accepted') return;
	// Accepted the way the method says: by the conference's one professional, the guardian, so the
	// frozen version, its fingerprint and the PDF are real.
	const [me] = await db
		.select()
		.from(schema.participants)
		.where(and(eq(schema.participants.conferenceId, conference.id), eq(schema.participants.userId, guardian.id)))
		.limit(1);
	const member: Member = {
		conference: updated,
		role: 'professional',
		participantId: me.id,
		name: guardian.name,
		status: 'active'
	};
	await acceptPlan(
		member,
		'Over drie maanden evalueren met de gezinsvoogd.',
		await storedPlanFingerprint(conference.id)
	);
	await db
		.update(schema.conferences)
		.set({ evaluationOn: inThreeMonths() })
		.where(eq(schema.conferences.id, conference.id));
}

/** Whether this database holds a demo, for the staff page's "erase the demo". */
export async function hasDemo(): Promise<boolean> {
	const db = await getDb();
	const [row] = await db
		.select({ id: schema.conferences.id })
		.from(schema.conferences)
		.where(eq(schema.conferences.demo, 1))
		.limit(1);
	return !!row;
}

/** Erases every demo conference and the demo's example accounts; real conferences are not touched. */
export async function eraseDemo(): Promise<number> {
	const db = await getDb();
	const demos = await db
		.select({ id: schema.conferences.id })
		.from(schema.conferences)
		.where(eq(schema.conferences.demo, 1));
	let erased = 0;
	for (const { id } of demos) if (await eraseConference(id, (conference) => conference.demo === 1)) erased++;
	const users = await db.select({ id: schema.users.id }).from(schema.users).where(eq(schema.users.demo, 1));
	if (users.length > 0) {
		const ids = users.map((user) => user.id);
		// A demo account may still stand in an evaluation conference someone started from the demo.
		await db.delete(schema.participants).where(inArray(schema.participants.userId, ids));
		await db.delete(schema.sessions).where(inArray(schema.sessions.userId, ids));
		await db.delete(schema.users).where(inArray(schema.users.id, ids));
	}
	console.log(`[kring] erased the demo (${erased} conferences)`);
	return erased;
}
