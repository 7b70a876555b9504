import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { metaText } from '../../src/lib/plan/shape';
import { addAgreement, agreementTexts, fieldText, typeInto } from '../support/edits';
import { found } from '../support/found';
import { upgradeStatus } from '../support/raw-socket';
import { kringForThisFile, startKring, TEST_REDIS_URL, type KringServer } from '../support/server';
import { changePhase, conferenceWithFamily, confirmCircle, handOver, type Staff } from '../support/steps';
import { waitForClose, waitForConvergence, waitUntil, type LiveDoc } from '../support/yjs-client';

// Two identical instances behind a (pretend) load balancer share PostgreSQL (the truth) and Redis
// (the bus), as docs/design.md §5 describes; PGlite cannot be shared, so this file always uses PostgreSQL.
// The coordinator's account is made on the first before the second starts: on an empty database
// each new instance replaces the setup link.
// The first keeps a document loaded for a minute after its last phone left (docs/design.md §5.2), so
// that a phone coming back within a test finds it still loaded.
const kring = kringForThisFile({
	redisUrl: TEST_REDIS_URL,
	database: 'postgres',
	env: { KRING_ROOM_GRACE_MS: '60000' }
});
let first: KringServer;
let second: KringServer;
let coordinator: Staff;
const docs = kring.docs;

beforeAll(async () => {
	({ server: first, coordinator } = kring);
	second = await startKring({ redisUrl: TEST_REDIS_URL, sameDatabaseAs: first });
});
afterAll(async () => {
	docs.closeAll();
	await second?.stop();
});

it('family members connected to different instances edit one plan and converge', async () => {
	const { conferenceId, family } = await conferenceWithFamily(first, coordinator.client, ['Broer Omar', 'Zus Layla']);
	const [omar, layla] = family;
	const onFirst = docs.open(omar.client, conferenceId, 'plan');
	const onSecond = docs.open(layla.client.on(second), conferenceId, 'plan');
	await Promise.all([onFirst.synced, onSecond.synced]);

	addAgreement(onFirst.doc, 'Omar zoekt werk via het UWV', { theme: 'work' });
	addAgreement(onSecond.doc, 'Layla gaat mee naar de reclassering', { theme: 'justice' });
	await waitForConvergence([onFirst.doc, onSecond.doc], 'the two instances pass each other’s changes on');

	metaText(onFirst.doc, 'evaluation').insert(0, 'Evaluatie: ');
	await waitUntil(
		() => fieldText(onSecond.doc, 'evaluation') === 'Evaluatie: ',
		'the field reaches the second instance',
		{ docs: [onSecond.doc] }
	);
	await Promise.all([
		typeInto(onFirst.doc, 'evaluation', 'over zes weken bij oma thuis.'),
		typeInto(onSecond.doc, 'evaluation', 'Layla plant het. ', { at: 'Evaluatie: '.length })
	]);
	await waitForConvergence([onFirst.doc, onSecond.doc]);
	expect(fieldText(onSecond.doc, 'evaluation')).toContain('over zes weken bij oma thuis.');
	expect(fieldText(onSecond.doc, 'evaluation')).toContain('Layla plant het. ');

	// Each instance stored what it received: a phone on either one gets the same plan.
	for (const server of [first, second]) {
		const fresh = docs.open(omar.client.on(server), conferenceId, 'plan');
		await fresh.synced;
		await waitForConvergence([fresh.doc, onFirst.doc]);
		expect(agreementTexts(fresh.doc).sort()).toEqual([
			'Layla gaat mee naar de reclassering',
			'Omar zoekt werk via het UWV'
		]);
	}
});

const usersIn = (liveDoc: LiveDoc) =>
	[...liveDoc.provider.awareness.getStates().values()].map(
		(state) => (state.user ?? {}) as { name?: string; role?: string }
	);
const rolesIn = (liveDoc: LiveDoc) => usersIn(liveDoc).map((user) => user.role);
const namesIn = (liveDoc: LiveDoc) => usersIn(liveDoc).map((user) => user.name);

it('who is already on the plan at one instance is shown at once to someone opening it at the other', async () => {
	const { conferenceId, family } = await conferenceWithFamily(first, coordinator.client, [
		'Tante Nadia',
		'Oom Sami',
		'Nicht Lina'
	]);
	const [nadia, sami, lina] = family;
	const nadiaOnSecond = docs.open(nadia.client.on(second), conferenceId, 'plan', {
		presence: { name: 'Nadia' }
	});
	const samiOnSecond = docs.open(sami.client.on(second), conferenceId, 'plan');
	await Promise.all([nadiaOnSecond.synced, samiOnSecond.synced]);
	await waitUntil(() => namesIn(samiOnSecond).includes('Tante Nadia'), 'Sami, on the same instance, sees Nadia');

	// Lina is the first on the plan at the first instance: it has not heard Nadia's presence yet.
	const linaOnFirst = docs.open(lina.client, conferenceId, 'plan');
	await linaOnFirst.synced;
	await waitUntil(() => namesIn(linaOnFirst).includes('Tante Nadia'), 'Lina, on the other instance, sees Nadia');
});

it('a hand-over made on one instance closes the coordinator’s brief socket on the other', async () => {
	const { conferenceId, family } = await conferenceWithFamily(first, coordinator.client, ['Oma Wil']);
	const [wil] = family;
	await changePhase(coordinator.client, conferenceId, 'information');
	const coordinatorBrief = docs.open(coordinator.client.on(second), conferenceId, 'brief', {
		presence: { name: 'Carla' }
	});
	const familyBrief = docs.open(wil.client, conferenceId, 'brief');
	const familyPlan = docs.open(wil.client, conferenceId, 'plan');
	await Promise.all([coordinatorBrief.synced, familyBrief.synced, familyPlan.synced]);
	await waitUntil(
		() => rolesIn(familyBrief).includes('coordinator'),
		'the family on the first instance sees the coordinator on the second'
	);

	const requested = performance.now();
	await changePhase(coordinator.client, conferenceId, 'private');
	const answered = performance.now();
	const closed = await waitForClose(coordinatorBrief.closed, 'the coordinator’s socket on the other instance closes');
	expect(closed.code).toBe(CLOSE.revoked.code);
	console.log(
		`[revocation over Redis] hand-over on instance 1 → coordinator socket on instance 2 closed: ${(closed.at - requested).toFixed(1)} ms ` +
			`(HTTP answer after ${(answered - requested).toFixed(1)} ms)`
	);
	// Wil is the family's only device: she confirms herself, and her documents come back (§6).
	await confirmCircle(conferenceId, family);
	for (const familyDoc of [familyBrief, familyPlan]) familyDoc.provider.connect();
	await waitUntil(
		() => familyBrief.provider.synced && familyPlan.provider.synced,
		'the family’s documents are back once confirmed'
	);
	await waitUntil(
		() => !rolesIn(familyBrief).includes('coordinator'),
		'the coordinator’s presence is gone on the first instance'
	);

	addAgreement(familyPlan.doc, 'GEHEIM-VAN-DE-FAMILIE: Wil neemt de kinderen in huis', { theme: 'housing' });
	expect(await upgradeStatus(coordinator.client.on(second), conferenceId, 'brief')).toBe(403);
	expect(await upgradeStatus(coordinator.client.on(second), conferenceId, 'plan')).toBe(403);
	expect(found(coordinatorBrief.received, ['GEHEIM-VAN-DE-FAMILIE'])).toEqual([]);
	expect(coordinatorBrief.closeEvents).toHaveLength(1);
});

it('a document still loaded on one instance after its last phone left hears the other: a phone that comes back gets every edit, and a hand-over made meanwhile holds', async () => {
	const { conferenceId, family } = await conferenceWithFamily(first, coordinator.client, ['Neef Daan', 'Nicht Eva']);
	const [daan, eva] = family;
	await changePhase(coordinator.client, conferenceId, 'information');
	// Daan has the plan open on the first instance, the coordinator the brief; then both leave, and
	// both documents stay loaded there.
	const daanPlan = docs.open(daan.client, conferenceId, 'plan');
	const coordinatorBrief = docs.open(coordinator.client, conferenceId, 'brief');
	await Promise.all([daanPlan.synced, coordinatorBrief.synced]);
	addAgreement(daanPlan.doc, 'Daan kookt op woensdag', { theme: 'housing' });
	await waitUntil(() => daanPlan.provider.synced, 'Daan’s card to be sent');
	daanPlan.destroy();
	coordinatorBrief.destroy();

	// Meanwhile, on the second instance: the hand-over, then Eva writes.
	await handOver(coordinator.client.on(second), conferenceId, family);
	const evaPlan = docs.open(eva.client.on(second), conferenceId, 'plan');
	await evaPlan.synced;
	await waitUntil(() => agreementTexts(evaPlan.doc).includes('Daan kookt op woensdag'), 'Daan’s card on the second', {
		docs: [evaPlan.doc]
	});
	const daanOnSecond = docs.open(daan.client.on(second), conferenceId, 'plan');
	await daanOnSecond.synced;
	addAgreement(evaPlan.doc, 'Eva brengt de kinderen naar school', { theme: 'work' });
	// Sent to the phones on the second only once stored and published; Redis passes it on in a
	// moment, while nobody is on the plan at the first.
	await waitUntil(
		() => agreementTexts(daanOnSecond.doc).includes('Eva brengt de kinderen naar school'),
		'Eva’s card to be stored and published',
		{ docs: [daanOnSecond.doc] }
	);
	daanOnSecond.destroy();
	await new Promise((resolve) => setTimeout(resolve, 500));

	// Daan comes back to the first instance: he gets Eva's card as well as his own.
	const daanAgain = docs.open(daan.client, conferenceId, 'plan');
	await waitUntil(
		() => agreementTexts(daanAgain.doc).includes('Eva brengt de kinderen naar school'),
		'Eva’s card reaches Daan on the first instance',
		{ docs: [daanAgain.doc] }
	);
	expect(agreementTexts(daanAgain.doc).sort()).toEqual([
		'Daan kookt op woensdag',
		'Eva brengt de kinderen naar school'
	]);
	// The coordinator's way back to the first instance is closed since the hand-over.
	expect(await upgradeStatus(coordinator.client, conferenceId, 'brief')).toBe(403);
	expect(await upgradeStatus(coordinator.client, conferenceId, 'plan')).toBe(403);
});
