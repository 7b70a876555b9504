/**
 * Dennis, detained, speaks through his sister Samira on a video visit; his mother reads Turkish.
 * The family adds Dennis to its circle, Samira types his agreement on his behalf and adds a
 * Turkish translation. The accepted plan's PDF shows the original, the translation beside it
 * marked with its language, and both names (pdftotext reads it; scripts/ensure-poppler.sh).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as Y from 'yjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
	agreementsOf,
	circleOf,
	createCirclePerson,
	createTranslation,
	readPlan,
	translationsOf
} from '../../src/lib/plan/shape';
import { addAgreement } from '../support/edits';
import { kringForThisFile } from '../support/server';
import { acceptPlan, changePhase, conferenceWithFamily, handOver } from '../support/steps';
import { includesState, waitUntil } from '../support/yjs-client';

const run = promisify(execFile);
const kring = kringForThisFile();
let scratch: string;

beforeAll(async () => {
	await run('pdftotext', ['-v']).catch(() => {
		throw new Error(
			'pdftotext is missing: run `bash scripts/ensure-poppler.sh` (Debian: apt-get install poppler-utils)'
		);
	});
	scratch = await mkdtemp(join(tmpdir(), 'kring-pdf-behalf-'));
});
afterAll(async () => {
	if (scratch) await rm(scratch, { recursive: true, force: true });
});

const ORIGINAL = 'Ik bel elke zondag met de kinderen.';
const TURKISH = 'Her pazar çocuklarla telefonda konuşurum.';

it('the PDF shows a translation beside the original, and on whose behalf the agreement was made', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Samira', 'Els'], {
		title: 'Toekomst Dennis'
	});
	await changePhase(coordinator.client, conferenceId, 'information');
	await handOver(coordinator.client, conferenceId, family);
	const [samira, els] = family;

	// Samira's phone writes what the board writes: the circle, the agreement, then "on behalf of"
	// set on the card that already exists, and a translation beside it. The server's update guard
	// takes each of them.
	const plan = docs.open(samira.client, conferenceId, 'plan');
	await plan.synced;
	circleOf(plan.doc).push([createCirclePerson({ name: 'Dennis', presence: 'video-visit', addedBy: 'Samira' })]);
	const id = addAgreement(plan.doc, ORIGINAL, { createdBy: 'Samira', who: ['Dennis'] });
	const card = agreementsOf(plan.doc).get(0);
	plan.doc.transact(() => {
		card.set('onBehalfOf', 'Dennis');
		card.set('via', 'video-visit');
		card.set('relayedBy', 'Samira');
	});
	const translation = createTranslation({ agreement: id, lang: 'tr', by: 'Samira' });
	translationsOf(plan.doc).push([translation]);
	(translation.get('text') as Y.Text).insert(0, TURKISH);

	const seen = docs.open(els.client, conferenceId, 'plan');
	await waitUntil(() => includesState(seen.doc, plan.doc), 'the plan reaches Els', { docs: [seen.doc] });
	const onElsPhone = readPlan(seen.doc);
	expect(onElsPhone.circle).toEqual([expect.objectContaining({ name: 'Dennis', presence: 'video-visit' })]);
	expect(onElsPhone.agreements[0]).toMatchObject({
		onBehalfOf: 'Dennis',
		via: 'video-visit',
		relayedBy: 'Samira',
		translations: [{ lang: 'tr', text: TURKISH, by: 'Samira' }]
	});

	await changePhase(els.client, conferenceId, 'presentation');
	expect(await acceptPlan(coordinator.client, conferenceId)).toBe(1);

	const response = await samira.client.get(`/c/${conferenceId}/plan.pdf`, { 'accept-language': 'nl' });
	expect(response.status).toBe(200);
	const file = join(scratch, 'behalf.pdf');
	await writeFile(file, response.body);
	const text = (await run('pdftotext', ['-enc', 'UTF-8', file, '-'])).stdout.replace(/\s+/g, ' ');
	// Dennis took part by video visit, without a device of his own: he is among those who were there.
	expect(text).toContain('Dennis — Via videobezoek');
	const from = text.indexOf(ORIGINAL);
	expect(from).toBeGreaterThan(0);
	const section = text.slice(from);
	expect(section).toContain(`Vertaling: Turks ${TURKISH}`);
	expect(section).toContain('Namens Dennis, via videobezoek · ingevoerd door Samira');
});
