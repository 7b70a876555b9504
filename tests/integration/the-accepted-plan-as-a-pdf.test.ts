/**
 * The accepted plan as a PDF (`/c/<id>/plan.pdf`), read back the way a person's tools read it:
 * poppler's pdftotext for the words, pdftoppm for the pages (Debian's poppler-utils;
 * scripts/ensure-poppler.sh installs it). Johan's conference (tests/fixtures/johan.json) is made
 * through Kring's own paths: invitations, the brief typed by the professional, the plan by the family.
 *
 * What is compared, and how: pdftotext's words with runs of white space made one space (the PDF
 * wraps long sentences). Arabic is compared in logical order, as it is spelled: inside a run of
 * one direction pdftotext gives logical order. Before comparing, both sides lose the direction
 * marks pdftotext puts around right-to-left runs (U+202A–U+202E) and the Arabic short-vowel marks
 * (harakat, U+064B–U+065F, U+0670: pdftotext puts a mark drawn over a letter before that letter),
 * and are NFC-normalised. A line that mixes directions comes out of pdftotext run by run in the
 * order drawn (left to right), so mixed lines are not compared whole; their runs are.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import johan from '../fixtures/johan.json';
import { Browser } from '../support/http-client';
import { johanInPresentation, JOHAN_CONTINGENCY } from '../support/johan-conference';
import { kringForThisFile } from '../support/server';
import { acceptPlan, boardData, changePhase, createConference, joinAsFamily, roomCodeOf } from '../support/steps';

const run = promisify(execFile);
const kring = kringForThisFile();
let scratch: string;

beforeAll(async () => {
	// No skipping: a machine without poppler-utils fails here, with the way to get it.
	await run('pdftotext', ['-v']).catch(() => {
		throw new Error(
			'pdftotext is missing: run `bash scripts/ensure-poppler.sh` (Debian: apt-get install poppler-utils)'
		);
	});
	scratch = await mkdtemp(join(tmpdir(), 'kring-pdf-'));
});
afterAll(async () => {
	if (scratch) await rm(scratch, { recursive: true, force: true });
});

const CONDITIONS = 'Over drie maanden evalueren met de gezinsvoogd.';

const oneSpace = (text: string) => text.replace(/\s+/g, ' ').trim();
const arabicAsSpelled = (text: string) =>
	// Direction marks and Arabic vowel marks, which pdftotext places apart from their letters, one at a time.
	// eslint-disable-next-line no-misleading-character-class
	oneSpace(text.replace(/[\u202a-\u202e\u064b-\u065f\u0670]/g, '').normalize('NFC'));

function pdfOf(client: Browser, conferenceId: string, language: string) {
	return client.get(`/c/${conferenceId}/plan.pdf`, { 'accept-language': language });
}

async function textOf(pdf: Buffer, name: string): Promise<string> {
	const file = join(scratch, `${name}.pdf`);
	await writeFile(file, pdf);
	return (await run('pdftotext', ['-enc', 'UTF-8', file, '-'])).stdout;
}

/** Renders one page as PNG with pdftoppm and keeps it for the README. */
async function keepPage(pdf: Buffer, name: string, page: number): Promise<void> {
	const file = join(scratch, `${name}.pdf`);
	await writeFile(file, pdf);
	await run('pdftoppm', [
		'-png',
		'-r',
		'72',
		'-f',
		String(page),
		'-l',
		String(page),
		'-singlefile',
		file,
		join(scratch, name)
	]);
	const png = await readFile(join(scratch, `${name}.png`));
	expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
	await writeFile(join('docs', 'screenshots', `${name}.png`), png);
}

it('the family, the professional and (until closing) the coordinator get the accepted plan as a PDF in their language', async () => {
	const { server, coordinator, docs } = kring;
	const carla = coordinator.client;

	// Johan's conference, walked to the presentation through Kring's own paths: the family joins on
	// its phones, the guardian writes the brief by invitation, the family writes the plan.
	const { conferenceId, family, guardian } = await johanInPresentation(server, carla, docs);
	const father = family.get('Vader')!;

	// Nothing is accepted yet, so there is no PDF.
	expect((await pdfOf(father, conferenceId, 'nl')).status).toBe(404);
	expect(await acceptPlan(guardian, conferenceId, CONDITIONS)).toBe(1);
	const { sha256 } = (await boardData(father, conferenceId)).board!.accepted!;

	// Dutch: a real PDF, kept out of caches and frames, with everything the family agreed.
	const dutch = await pdfOf(father, conferenceId, 'nl');
	expect(dutch.status).toBe(200);
	expect(dutch.headers.get('content-type')).toBe('application/pdf');
	expect(dutch.headers.get('content-disposition')).toBe('inline; filename="kring-plan-v1.pdf"');
	expect(dutch.headers.get('cache-control')).toBe('no-store');
	expect(dutch.headers.get('x-frame-options')).toBe('DENY');
	expect(dutch.headers.get('x-content-type-options')).toBe('nosniff');
	expect(dutch.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
	const dutchPdf = dutch.body;
	expect(dutchPdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
	const nl = oneSpace(await textOf(dutchPdf, 'nl'));

	expect(nl).toContain(johan.title);
	expect(nl).toContain(johan.question);
	expect(nl).toContain('Wie waren erbij');
	expect(nl).toContain('Opa — Op afstand');
	expect(nl).toContain('Tante Edith — In de ruimte');
	expect(nl).toContain('Gezinsvoogd — Professional');
	// Every concern and condition is written out with its label.
	johan.concerns.forEach((concern, i) => expect(nl).toContain(`Z${i + 1} ${concern.text}`));
	johan.conditions.forEach((condition, i) => expect(nl).toContain(`V${i + 1} ${condition.text}`));
	// Every agreement, in order, with who and when, and what it answers written out in full.
	const label = (id: string) => {
		const concern = johan.concerns.findIndex((c) => c.id === id);
		return concern >= 0
			? `Z${concern + 1} ${johan.concerns[concern].text}`
			: `V${johan.conditions.findIndex((c) => c.id === id) + 1} ${johan.conditions.find((c) => c.id === id)!.text}`;
	};
	const agreementsFrom = nl.indexOf('Afspraken');
	johan.plan.agreements.forEach((agreement, i) => {
		const start = nl.indexOf(agreement.text, agreementsFrom);
		expect(start, agreement.text).toBeGreaterThan(agreementsFrom);
		const next = johan.plan.agreements[i + 1];
		const section = nl.slice(start, next ? nl.indexOf(next.text, start) : undefined);
		expect(section).toContain(`Wie: ${agreement.who.join(', ')}`);
		if (agreement.when) expect(section).toContain(`Wanneer: ${agreement.when}`);
		for (const id of agreement.answers) expect(section).toContain(label(id));
		if (agreement.answers.length === 0) expect(section).not.toContain('Antwoord op');
	});
	expect(nl).toContain(johan.plan.groundRules[0]);
	expect(nl).toContain(`Wie let erop dat de afspraken worden nagekomen? ${johan.plan.monitor}`);
	// The evaluation date as the reader says it.
	expect(nl).toContain('Wanneer kijken we samen hoe het gaat? 12 maart 2031');
	expect(nl).toContain(JOHAN_CONTINGENCY);
	expect(nl).toContain(`Voorwaarden bij het aanvaarden ${CONDITIONS}`);
	expect(nl).toMatch(/Aanvaard door Gezinsvoogd \(Professional\) op \d/);
	expect(nl).toContain(`Vingerafdruk (SHA-256): ${sha256}`);
	expect(nl).toMatch(/Johan · versie 1 · pagina 1 van \d/);

	// Arabic: Kring's words in Arabic, shaped (pdftotext reads each letter back as the letter it
	// is), the family's Dutch as written, its full stop after the last word.
	const arabic = await pdfOf(father, conferenceId, 'ar');
	expect(arabic.status).toBe(200);
	const arabicPdf = arabic.body;
	const ar = arabicAsSpelled(await textOf(arabicPdf, 'ar'));
	for (const words of [
		'تمت الموافقة على الخطة — النسخة',
		'السؤال',
		'مَن شارك',
		'المخاوف',
		'الاتفاقات',
		'قواعدنا',
		'شروط الموافقة',
		'البصمة الرقمية'
	])
		expect(ar, words).toContain(arabicAsSpelled(words));
	expect(ar).toContain(arabicAsSpelled('في الغرفة'));
	expect(ar).toContain(arabicAsSpelled('عن بُعد'));
	expect(ar).toContain(johan.question);
	for (const agreement of johan.plan.agreements) expect(ar).toContain(agreement.text);
	for (const concern of johan.concerns) expect(ar).toContain(concern.text);
	expect(ar).toContain(sha256);
	expect(ar).not.toContain('.Johan woont bij zijn vader');

	await keepPage(dutchPdf, 'plan-pdf-nl', 1);
	await keepPage(arabicPdf, 'plan-pdf-ar', 2);

	// The coordinator may read it until she closes the conference; the log records who made a PDF.
	expect((await pdfOf(carla, conferenceId, 'nl')).status).toBe(200);
	await changePhase(carla, conferenceId, 'closed');
	expect((await pdfOf(carla, conferenceId, 'nl')).status).toBe(404);
	expect((await pdfOf(guardian, conferenceId, 'nl')).status).toBe(200);
	expect((await pdfOf(father, conferenceId, 'nl')).status).toBe(200);

	// Nobody from another conference, and nobody signed out, gets it.
	const other = await createConference(carla, { title: 'Toekomstplan Dennis' });
	const samira = await joinAsFamily(server, await roomCodeOf(carla, other), 'Samira');
	expect((await pdfOf(samira.client, conferenceId, 'nl')).status).toBe(404);
	expect((await pdfOf(new Browser(server), conferenceId, 'nl')).status).toBe(404);

	const log = (await boardData(father, conferenceId)).board!.audit.filter(
		(entry) => entry.action === 'plan.exported' && entry.detail === 'pdf, version 1'
	);
	expect(log.map((entry) => [entry.actor, entry.actorRole]).sort()).toEqual(
		[
			['Vader', 'family'],
			['Vader', 'family'],
			['Vader', 'family'],
			['Carla Coördinator', 'coordinator'],
			['Gezinsvoogd', 'professional']
		].sort()
	);
});
