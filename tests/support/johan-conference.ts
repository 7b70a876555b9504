/**
 * Johan's conference (tests/fixtures/johan.json) as its people make it, up to the presentation:
 * the family joins with the room code, the family guardian by invitation, the guardian writes
 * the concerns and conditions, the family its plan. For tests that need a full plan on a screen.
 */
import johan from '../fixtures/johan.json' with { type: 'json' };
import { addAgreement, addBriefItem, addGroundRule, setField } from './edits';
import type { Browser, ServerAddress } from './http-client';
import {
	authorIn,
	changePhase,
	createConference,
	handOver,
	inviteProfessional,
	joinAsFamily,
	registerProfessional,
	roomCodeOf,
	unique,
	type FamilyMember
} from './steps';
import { includesState, waitUntil, type liveDocs, type LiveDoc } from './yjs-client';

export const JOHAN_CONTINGENCY = 'Als het niet lukt, belt oom Herman de gezinsvoogd en komen we opnieuw bij elkaar.';

export type JohanConference = {
	conferenceId: string;
	roomCode: string;
	devices: FamilyMember[];
	family: Map<string, Browser>;
	guardian: Browser;
	/** Father's live plan, still open: amendments in the presentation go through it. */
	plan: LiveDoc;
};

export async function johanInPresentation(
	server: ServerAddress,
	coordinator: Browser,
	docs: ReturnType<typeof liveDocs>
): Promise<JohanConference> {
	const conferenceId = await createConference(coordinator, { title: johan.title, question: johan.question });
	const roomCode = await roomCodeOf(coordinator, conferenceId);
	const family = new Map<string, Browser>();
	const devices: FamilyMember[] = [];
	for (const person of johan.participants.filter((p) => p.role === 'family')) {
		const device = await joinAsFamily(server, roomCode, person.name, {
			presence: person.presence as 'room' | 'remote'
		});
		devices.push(device);
		family.set(person.name, device.client);
	}
	const invite = await inviteProfessional(coordinator, conferenceId, {
		name: 'Gezinsvoogd',
		email: `${unique('gezinsvoogd')}@kring.test`
	});
	const guardian = (await registerProfessional(server, invite, { name: 'Gezinsvoogd' })).client;

	await changePhase(coordinator, conferenceId, 'information');
	const brief = docs.open(guardian, conferenceId, 'brief');
	await brief.synced;
	const author = await authorIn(guardian, conferenceId);
	const ids = new Map<string, string>();
	for (const concern of johan.concerns) ids.set(concern.id, addBriefItem(brief.doc, 'concern', { ...concern, author }));
	for (const condition of johan.conditions)
		ids.set(condition.id, addBriefItem(brief.doc, 'condition', { ...condition, author }));
	const briefSeen = docs.open(coordinator, conferenceId, 'brief');
	await waitUntil(() => includesState(briefSeen.doc, brief.doc), 'the brief is stored', { docs: [briefSeen.doc] });
	brief.destroy();
	briefSeen.destroy();

	await handOver(coordinator, conferenceId, devices);
	const father = family.get('Vader')!;
	const plan = docs.open(father, conferenceId, 'plan');
	await plan.synced;
	for (const agreement of johan.plan.agreements)
		addAgreement(plan.doc, agreement.text, {
			theme: agreement.theme,
			who: agreement.who,
			when: agreement.when,
			answers: agreement.answers.map((id) => ids.get(id)!)
		});
	for (const rule of johan.plan.groundRules) addGroundRule(plan.doc, rule);
	setField(plan.doc, 'monitor', johan.plan.monitor);
	setField(plan.doc, 'evaluation', johan.plan.evaluation);
	setField(plan.doc, 'contingency', JOHAN_CONTINGENCY);
	const planSeen = docs.open(family.get('Moeder')!, conferenceId, 'plan');
	await waitUntil(() => includesState(planSeen.doc, plan.doc), 'the plan is stored', { docs: [planSeen.doc] });
	planSeen.destroy();

	await changePhase(father, conferenceId, 'presentation');
	return { conferenceId, roomCode, devices, family, guardian, plan };
}
