import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import * as Y from 'yjs';
import { LiveAgreement } from '../../src/lib/board/live-shape';
import { agreementsOf, groundRulesOf, readPlan } from '../../src/lib/plan/shape';
import { addAgreement, addGroundRule } from '../support/edits';
import { dumpDatabase } from '../support/database-dump';
import { kringForThisFile } from '../support/server';
import {
	acceptPlan,
	boardData,
	changePhase,
	conferenceWithFamily,
	handOver,
	inviteProfessional,
	readyThePlan,
	registerProfessional
} from '../support/steps';
import { waitForConvergence, waitUntil } from '../support/yjs-client';

// The database is read as someone who copies it would; PGlite is read from its own folder.
const dataDir = mkdtempSync(join(tmpdir(), 'kring-bin-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const kring = kringForThisFile({ dataDir });

it('a card put in the bin can be put back until acceptance, stays out of the accepted plan, and the log names who without content', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Moeder Sanne', 'Opa Henk']);
	const [sanne, henk] = family;
	const link = await inviteProfessional(coordinator.client, conferenceId, {
		name: 'Gezinsvoogd Pieter',
		email: 'pieter@example.org'
	});
	const pieter = await registerProfessional(server, link, { name: 'Gezinsvoogd Pieter' });
	await changePhase(coordinator.client, conferenceId, 'information');
	await handOver(coordinator.client, conferenceId, family);

	const onSannes = docs.open(sanne.client, conferenceId, 'plan');
	const onHenks = docs.open(henk.client, conferenceId, 'plan');
	await Promise.all([onSannes.synced, onHenks.synced]);
	const kept = addAgreement(onSannes.doc, 'Opa Henk brengt Johan naar school.', {
		who: ['Opa Henk'],
		when: 'elke dag'
	});
	const binned = addAgreement(onSannes.doc, 'Geheim: de schuld bij de buurman.', { who: ['Sanne'], when: 'mei' });
	addGroundRule(onSannes.doc, 'We laten elkaar uitpraten.');
	await waitForConvergence([onSannes.doc, onHenks.doc]);

	const card = (doc: typeof onHenks.doc, id: string) =>
		new LiveAgreement(
			agreementsOf(doc)
				.toArray()
				.find((c) => c.get('id') === id)!
		);
	// Henk puts a card in the bin: it leaves the plan for everyone, with its text intact.
	card(onHenks.doc, binned).bin('Opa Henk');
	await waitUntil(() => readPlan(onSannes.doc).agreements.length === 1, 'the card to leave Sanne’s plan', {
		docs: [onSannes.doc]
	});
	expect(card(onSannes.doc, binned).deletedBy).toBe('Opa Henk');
	expect(card(onSannes.doc, binned).summary).toBe('Geheim: de schuld bij de buurman.');

	// Sanne puts it back; then Henk bins it again, and deletes the ground rule outright.
	card(onSannes.doc, binned).restore();
	await waitUntil(() => readPlan(onHenks.doc).agreements.length === 2, 'the card back on Henk’s plan', {
		docs: [onHenks.doc]
	});
	card(onHenks.doc, binned).bin('Opa Henk');
	groundRulesOf(onHenks.doc).delete(0, 1);
	await waitForConvergence([onSannes.doc, onHenks.doc]);

	const logged = async () =>
		(await boardData(sanne.client, conferenceId)).board!.audit.filter((entry) =>
			['plan.card_binned', 'plan.card_restored', 'plan.item_deleted'].includes(entry.action)
		);
	const entries = await waitUntil(async () => {
		const found = await logged();
		return found.length === 4 ? found : null;
	}, 'four removals in the log');
	expect(entries.map((e) => [e.actor, e.action]).reverse()).toEqual([
		['Opa Henk', 'plan.card_binned'],
		['Moeder Sanne', 'plan.card_restored'],
		['Opa Henk', 'plan.card_binned'],
		['Opa Henk', 'plan.item_deleted']
	]);
	// Who and when, never what.
	for (const entry of entries) expect(entry.detail).toBe('');
	expect(JSON.stringify(await logged())).not.toContain('schuld');

	// The phones leave; the plan stays loaded on the server for its grace period (docs/design.md §5.2).
	onSannes.destroy();
	onHenks.destroy();

	// Accepted: the frozen plan holds the card that was kept, not the one in the bin.
	await readyThePlan(sanne.client, conferenceId);
	await changePhase(sanne.client, conferenceId, 'presentation');
	await acceptPlan(pieter.client, conferenceId);
	const accepted = (await boardData(sanne.client, conferenceId)).board!.accepted as unknown as {
		plan: { agreements: { id: string }[] };
	};
	expect(accepted.plan.agreements.map((a) => a.id)).toEqual([kept]);
	expect(JSON.stringify(accepted)).not.toContain('schuld');
	// Acceptance empties the bin for good: a phone that opens the plan again gets nothing of the card,
	// although the room was still loaded when the bin was emptied, and nothing is left in the database.
	const again = docs.open(sanne.client, conferenceId, 'plan');
	await again.synced;
	expect(readPlan(again.doc).agreements.map((a) => a.id)).toEqual([kept]);
	expect(Buffer.from(Y.encodeStateAsUpdate(again.doc)).toString('latin1')).not.toContain('schuld');
	again.destroy();
	const dump = await dumpDatabase(server);
	expect(dump.placesOf('de schuld bij de buurman')).toEqual([]);
	expect(dump.placesOf('Opa Henk brengt Johan naar school.')).toEqual(
		expect.arrayContaining(['plan_versions.plan_state', 'doc_snapshots.state'])
	);
});
