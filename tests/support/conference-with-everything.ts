/**
 * A conference that has left something of itself in every place Kring keeps data, each piece a
 * string that occurs nowhere else: for tests that look for it later, or make sure it is gone.
 */
import { readBrief } from '../../src/lib/plan/shape';
import { addAgreement, addConcern, agreementTexts, fieldText, typeInto } from './edits';
import type { Browser } from './http-client';
import type { KringForThisFile } from './server';
import {
	acceptPlan,
	changePhase,
	createConference,
	handOver,
	inviteFamily,
	inviteProfessional,
	joinByLink,
	registerProfessional,
	unique,
	authorIn
} from './steps';
import { waitUntil } from './yjs-client';

/** What one conference wrote everywhere Kring keeps something; each string occurs nowhere else. */
export function markersOf(tag: string) {
	return {
		title: `${tag}-title`,
		question: `${tag}-question`,
		mother: `${tag}-mother`,
		uncle: `${tag}-uncle`,
		stranger: `${tag}-stranger`,
		professionalInvite: `${tag}-invited-professional`,
		concern: `${tag}-concern`,
		agreement: `${tag}-agreement`,
		typed: `${tag}-typed`,
		conditions: `${tag}-conditions`
	};
}

export type Markers = ReturnType<typeof markersOf>;
export type Accepted = {
	id: string;
	markers: Markers;
	familyLink: string;
	mother: Browser;
	uncle: Browser;
	professional: Browser;
};

/**
 * A conference from invitation to accepted plan, leaving its strings in every table: the title and
 * question, family names (participants, the log), a device declined at the door, an invite for a
 * professional by name, a concern in the brief, an agreement, a field typed one key at a time,
 * and the conditions of acceptance (the frozen version).
 */
export async function acceptedConference(kring: KringForThisFile, tag: string): Promise<Accepted> {
	const { server, coordinator, docs } = kring;
	const markers = markersOf(tag);
	const carla = coordinator.client;
	const id = await createConference(carla, { title: markers.title, question: markers.question });
	const familyLink = await inviteFamily(carla, id);
	const family = [
		await joinByLink(server, familyLink, markers.mother),
		await joinByLink(server, familyLink, markers.uncle)
	];
	const [mother, uncle] = family.map((member) => member.client);
	const link = await inviteProfessional(carla, id, {
		name: markers.professionalInvite,
		email: `${unique('jeugdzorg')}@kring.test`
	});
	const professional = (await registerProfessional(server, link, { name: 'Jeugdzorg Pieter' })).client;

	await changePhase(carla, id, 'information');
	const brief = docs.open(professional, id, 'brief');
	await brief.synced;
	addConcern(brief.doc, markers.concern, await authorIn(professional, id));
	const briefOnPhone = docs.open(mother, id, 'brief');
	await briefOnPhone.synced;
	await waitUntil(
		() => readBrief(briefOnPhone.doc).concerns.some((concern) => concern.text === markers.concern),
		'the concern is stored'
	);

	await handOver(carla, id, family);
	const plan = docs.open(mother, id, 'plan');
	await plan.synced;
	addAgreement(plan.doc, markers.agreement);
	await typeInto(plan.doc, 'monitor', markers.typed);
	const planOnPhone = docs.open(uncle, id, 'plan');
	await planOnPhone.synced;
	await waitUntil(
		() =>
			agreementTexts(planOnPhone.doc).includes(markers.agreement) &&
			fieldText(planOnPhone.doc, 'monitor') === markers.typed,
		'the plan is stored'
	);
	for (const doc of [brief, briefOnPhone, plan, planOnPhone]) doc.destroy();

	await changePhase(mother, id, 'presentation');
	await acceptPlan(professional, id, markers.conditions);

	// Someone unknown knocks after acceptance; the family does not let them in.
	const stranger = await joinByLink(server, familyLink, markers.stranger);
	const decided = await mother.action(`/c/${id}`, 'door', {
		participantId: stranger.participantId,
		decision: 'decline'
	});
	if (stranger.status !== 'waiting' || decided.action?.type !== 'success')
		throw new Error(
			`the stranger was not turned away at the door: HTTP ${decided.status} ${decided.text.slice(0, 300)}`
		);
	return { id, markers, familyLink, mother, uncle, professional };
}
