import { expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import {
	changePhase,
	conferenceWithFamily,
	confirmCircle,
	inviteProfessional,
	registerProfessional,
	unique,
	authorIn
} from '../support/steps';
import { kringForThisFile } from '../support/server';
import { addAgreement, addConcern, agreementTexts } from '../support/edits';
import { concernsOf } from '../../src/lib/plan/shape';
import { found } from '../support/found';
import { Browser } from '../support/http-client';
import { upgradeStatus } from '../support/raw-socket';
import { waitForClose, waitUntil, type LiveDoc } from '../support/yjs-client';

const kring = kringForThisFile();

const rolesIn = (liveDoc: LiveDoc) =>
	[...liveDoc.provider.awareness.getStates().values()].map(
		(state) => (state.user as { role?: string } | undefined)?.role
	);

it('at hand-over the coordinator’s and the professional’s brief sockets close (4403), and in private time no staff socket opens', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Moeder Sanne']);
	const [sanne] = family;
	const link = await inviteProfessional(coordinator.client, conferenceId, {
		name: 'Reclassering Ruud',
		email: `${unique('ruud')}@kring.test`
	});
	const professional = (await registerProfessional(server, link, { name: 'Reclassering Ruud' })).client;
	await changePhase(coordinator.client, conferenceId, 'information');

	// Information phase: staff work on the brief; the plan is the family's alone already.
	expect(await upgradeStatus(coordinator.client, conferenceId, 'plan')).toBe(403);
	const coordinatorBrief = docs.open(coordinator.client, conferenceId, 'brief', {
		presence: { name: 'Carla' }
	});
	const professionalBrief = docs.open(professional, conferenceId, 'brief', { presence: { name: 'Ruud' } });
	const familyBrief = docs.open(sanne.client, conferenceId, 'brief', { presence: { name: 'Sanne' } });
	const familyPlan = docs.open(sanne.client, conferenceId, 'plan');
	await Promise.all([coordinatorBrief.synced, professionalBrief.synced, familyBrief.synced, familyPlan.synced]);

	addConcern(
		coordinatorBrief.doc,
		'Zorg: de schuld bij de woningcorporatie',
		await authorIn(coordinator.client, conferenceId)
	);
	addAgreement(familyPlan.doc, 'PLAN-VOOR-DE-FAMILIE: tante Ria past op', { theme: 'upbringing' });
	await waitUntil(() => concernsOf(familyBrief.doc).length === 1, 'the family sees the coordinator’s concern', {
		docs: [familyBrief.doc]
	});
	await waitUntil(
		() => rolesIn(familyBrief).includes('coordinator') && rolesIn(familyBrief).includes('professional'),
		'the family sees staff presence on the brief'
	);

	// Hand-over: the coordinator leaves the room.
	const requested = performance.now();
	await changePhase(coordinator.client, conferenceId, 'private');
	const answered = performance.now();
	const [coordinatorClose, professionalClose] = await Promise.all([
		waitForClose(coordinatorBrief.closed, 'the coordinator’s brief socket closes at hand-over'),
		waitForClose(professionalBrief.closed, 'the professional’s brief socket closes at hand-over')
	]);
	expect(coordinatorClose.code).toBe(CLOSE.revoked.code);
	expect(professionalClose.code).toBe(CLOSE.revoked.code);
	console.log(
		`[revocation] hand-over request → coordinator brief socket closed: ${(coordinatorClose.at - requested).toFixed(1)} ms, ` +
			`professional: ${(professionalClose.at - requested).toFixed(1)} ms (HTTP answer after ${(answered - requested).toFixed(1)} ms)`
	);
	// 44xx is final: the provider does not try again.
	expect(coordinatorBrief.provider.shouldConnect).toBe(false);

	// The family's own sockets close too: nothing of private time reaches a device before the
	// family has confirmed it (§6). Sanne is the family's only device, so she confirms herself.
	for (const familyDoc of [familyBrief, familyPlan])
		expect((await waitForClose(familyDoc.closed, 'the family’s socket closes at hand-over')).code).toBe(
			CLOSE.removed.code
		);
	expect(await upgradeStatus(sanne.client, conferenceId, 'plan')).toBe(403);
	await confirmCircle(conferenceId, family);
	for (const familyDoc of [familyBrief, familyPlan]) familyDoc.provider.connect();
	await waitUntil(
		() => familyBrief.provider.synced && familyPlan.provider.synced,
		'the family’s documents are back once confirmed'
	);
	await waitUntil(
		() => !rolesIn(familyBrief).includes('coordinator') && !rolesIn(familyBrief).includes('professional'),
		'staff presence is gone from the family’s brief'
	);

	// The family's brief is read-only now: its edits are not taken.
	addConcern(familyBrief.doc, 'NA-OVERDRACHT: nog een zorg', await authorIn(sanne.client, conferenceId));
	await waitUntil(
		() => familyBrief.received.some((message) => message[0] === 2),
		'the server tells the family the brief is read-only now'
	);
	const briefCheck = docs.open(sanne.client, conferenceId, 'brief');
	await briefCheck.synced;
	expect(concernsOf(briefCheck.doc).length).toBe(1);

	// Private time: the family goes on with the plan; no staff socket opens on either document.
	addAgreement(familyPlan.doc, 'PRIVE-AFSPRAAK: niemand vertelt het de buren', { theme: 'other' });
	const check = docs.open(sanne.client, conferenceId, 'plan');
	await waitUntil(() => agreementTexts(check.doc).length === 2, 'the family’s plan keeps working', {
		docs: [check.doc]
	});
	for (const staff of [coordinator.client, professional]) {
		expect(await upgradeStatus(staff, conferenceId, 'plan')).toBe(403);
		expect(await upgradeStatus(staff, conferenceId, 'brief')).toBe(403);
	}

	// Not one byte of the plan reached a staff socket, before or after the hand-over.
	for (const staffBrief of [coordinatorBrief, professionalBrief]) {
		expect(found(staffBrief.received, ['PLAN-VOOR-DE-FAMILIE'])).toEqual([]);
		expect(found(staffBrief.received, ['PRIVE-AFSPRAAK'])).toEqual([]);
		expect(staffBrief.closeEvents).toHaveLength(1);
	}
	// The staff sockets did carry the brief while they were allowed to.
	expect(found(professionalBrief.received, ['Zorg: de schuld bij de woningcorporatie'])).toEqual([
		'Zorg: de schuld bij de woningcorporatie'
	]);
});

it('a socket without a session is refused (401), and a member of another conference is refused (403)', async () => {
	const { server, coordinator } = kring;
	const { conferenceId } = await conferenceWithFamily(server, coordinator.client, []);
	const other = await conferenceWithFamily(server, coordinator.client, ['Vreemde Vincent']);
	expect(await upgradeStatus(new Browser(server), conferenceId, 'plan')).toBe(401);
	expect(await upgradeStatus(other.family[0].client, conferenceId, 'plan')).toBe(403);
	expect(await upgradeStatus(other.family[0].client, other.conferenceId, 'plan')).toBe(101);
});
