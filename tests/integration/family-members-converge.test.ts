import { expect, it } from 'vitest';
import { conferenceWithFamily } from '../support/steps';
import { kringForThisFile } from '../support/server';
import { addAgreement, agreementTexts, fieldText, typeInto } from '../support/edits';
import { metaText } from '../../src/lib/plan/shape';
import { waitForConvergence, waitUntil } from '../support/yjs-client';

const kring = kringForThisFile();

it('two family members on their own phones edit the same plan and end up with the same plan', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, [
		'Tante Fatima',
		'Neef Daan'
	]);
	const [fatima, daan] = family;
	const onFatimasPhone = docs.open(fatima.client, conferenceId, 'plan');
	const onDaansPhone = docs.open(daan.client, conferenceId, 'plan');
	await Promise.all([onFatimasPhone.synced, onDaansPhone.synced]);

	// Both add agreements at the same moment, before either has seen the other's.
	addAgreement(onFatimasPhone.doc, 'Fatima kookt op maandag', { theme: 'upbringing' });
	addAgreement(onDaansPhone.doc, 'Daan helpt met huiswerk', { theme: 'school' });
	addAgreement(onFatimasPhone.doc, 'Fatima gaat mee naar de huisarts', { theme: 'health' });
	await waitForConvergence([onFatimasPhone.doc, onDaansPhone.doc]);
	expect(agreementTexts(onDaansPhone.doc).sort()).toEqual([
		'Daan helpt met huiswerk',
		'Fatima gaat mee naar de huisarts',
		'Fatima kookt op maandag'
	]);

	// The field exists for both (one of them opened it first); then both type in it at once.
	metaText(onFatimasPhone.doc, 'monitor').insert(0, 'Toezicht: ');
	await waitUntil(() => fieldText(onDaansPhone.doc, 'monitor') === 'Toezicht: ', 'Daan sees the monitor field', {
		docs: [onDaansPhone.doc]
	});
	await Promise.all([
		typeInto(onFatimasPhone.doc, 'monitor', 'oom Karim belt iedere week.'),
		typeInto(onDaansPhone.doc, 'monitor', 'Daan zelf. ', { at: 'Toezicht: '.length })
	]);
	await waitForConvergence([onFatimasPhone.doc, onDaansPhone.doc]);
	const monitor = fieldText(onFatimasPhone.doc, 'monitor');
	expect(monitor).toBe(fieldText(onDaansPhone.doc, 'monitor'));
	// Each typist's words stay whole, and nothing typed is lost.
	expect(monitor.startsWith('Toezicht: ')).toBe(true);
	expect(monitor).toContain('oom Karim belt iedere week.');
	expect(monitor).toContain('Daan zelf. ');
	expect(monitor).toHaveLength('Toezicht: oom Karim belt iedere week.Daan zelf. '.length);

	// A third device that opens the plan now gets all of it from the server.
	const later = docs.open(fatima.client, conferenceId, 'plan');
	await later.synced;
	await waitForConvergence([later.doc, onFatimasPhone.doc]);
	expect(agreementTexts(later.doc)).toEqual(agreementTexts(onFatimasPhone.doc));
	expect(fieldText(later.doc, 'monitor')).toBe(monitor);
});

it('each family member sees who else is on the plan and where their caret is, as it moves', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, [
		'Moeder Aylin',
		'Zoon Emre'
	]);
	const [aylin, emre] = family;
	const onAylinsPhone = docs.open(aylin.client, conferenceId, 'plan', {
		presence: { name: 'wordt door de server ingevuld' }
	});
	const onEmresPhone = docs.open(emre.client, conferenceId, 'plan');
	await Promise.all([onAylinsPhone.synced, onEmresPhone.synced]);
	const aylinAsEmreSeesHer = () =>
		onEmresPhone.provider.awareness.getStates().get(onAylinsPhone.doc.clientID) as
			| { user?: { name?: string; role?: string }; cursor?: { anchor?: number } | null }
			| undefined;

	// The name shown is the one Aylin joined with, whatever her phone claims.
	await waitUntil(
		() => aylinAsEmreSeesHer()?.user?.name === 'Moeder Aylin',
		'Emre sees Aylin by the name she joined with'
	);
	expect(aylinAsEmreSeesHer()?.user?.role).toBe('family');

	for (const anchor of [3, 8, 21]) {
		onAylinsPhone.provider.awareness.setLocalStateField('cursor', { anchor, head: anchor });
		await waitUntil(() => aylinAsEmreSeesHer()?.cursor?.anchor === anchor, `Emre sees Aylin’s caret move to ${anchor}`);
	}

	// Aylin closes the board: her caret disappears from Emre's screen.
	onAylinsPhone.provider.disconnect();
	await waitUntil(() => aylinAsEmreSeesHer() === undefined, 'Aylin’s presence is gone when she leaves');
});
