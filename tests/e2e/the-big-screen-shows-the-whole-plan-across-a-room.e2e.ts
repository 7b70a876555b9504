import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { expect, test, type Page } from '@playwright/test';
import johan from '../fixtures/johan.json' with { type: 'json' };
import { evaluationInWords } from '../../src/lib/plan/readiness';
import { agreementsOf } from '../../src/lib/plan/shape';
import { JOHAN_CONTINGENCY, johanInPresentation } from '../support/johan-conference';
import { acceptPlan, changePhase, createConference } from '../support/steps';
import { includesState, liveDocs, waitUntil } from '../support/yjs-client';
import { coordinatorOver, serverAt, sessionOf } from './support/as-browser';
import { signInCoordinator } from './support/coordinator';

/**
 * The coordinator puts the plan on the big screen in the room (docs/design.md §7): at 1920×1080
 * every part of Johan's plan is there and readable across the room, it follows the family's
 * amendment, a clicker turns its pages; before private time it shows the question and the room
 * code, in private time nothing, after acceptance the accepted plan.
 */
const bigScreen = { viewport: { width: 1920, height: 1080 } };
const docs = liveDocs();
test.afterAll(() => docs.closeAll());

async function fontSize(page: Page, selector: string): Promise<number> {
	return page
		.locator(selector)
		.first()
		.evaluate((element) => parseFloat(getComputedStyle(element).fontSize));
}

test('the big screen shows the whole plan, readable across a room, and follows an amendment', async ({
	browser,
	baseURL
}) => {
	test.setTimeout(180_000);
	const server = serverAt(baseURL);
	const setup = await browser.newContext();
	await signInCoordinator(await setup.newPage());
	await setup.close();
	const coordinator = await coordinatorOver(server);

	// Before private time: the question and the room code with its QR code, nothing else.
	const waiting = await createConference(coordinator, { title: 'Familie Bakker', question: 'Hoe blijft Sara thuis?' });
	await changePhase(coordinator, waiting, 'information');
	const room = await browser.newContext({ ...bigScreen, locale: 'nl-NL' });
	await sessionOf(room, coordinator);
	const screen = await room.newPage();
	const errors: string[] = [];
	screen.on('pageerror', (error) => errors.push(error.message));
	await screen.goto(`/c/${waiting}/present`);
	await expect(screen.getByTestId('present-question')).toHaveText('Hoe blijft Sara thuis?');
	await expect(screen.getByTestId('present-room-code')).toHaveText(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
	await expect(screen.getByRole('img', { name: 'QR-code om te scannen' })).toBeVisible();
	await screen.screenshot({ path: 'docs/screenshots/big-screen-before-private-time.png' });

	// Johan's conference, presented.
	const johanConference = await johanInPresentation(server, coordinator, docs);
	const { conferenceId, plan } = johanConference;
	// Oom Herman checks the first agreement; Opa said the fifth on a video visit, Vader typed it in.
	const cards = agreementsOf(plan.doc);
	plan.doc.transact(() => {
		(cards.get(0).get('checkedBy') as Y.Text).insert(0, 'Oom Herman');
		cards.get(4).set('onBehalfOf', 'Opa');
		cards.get(4).set('via', 'video-visit');
		cards.get(4).set('relayedBy', 'Vader');
	});
	const planSeen = docs.open(johanConference.family.get('Moeder')!, conferenceId, 'plan');
	await waitUntil(() => includesState(planSeen.doc, plan.doc), 'the plan is stored', { docs: [planSeen.doc] });
	planSeen.destroy();
	await screen.goto(`/c/${conferenceId}/present`);
	const shown = screen.getByTestId('present-plan');
	await expect(screen.getByTestId('present-agreement')).toHaveCount(johan.plan.agreements.length);
	for (const agreement of johan.plan.agreements) await expect(shown).toContainText(agreement.text);
	for (const rule of johan.plan.groundRules)
		await expect(screen.getByTestId('present-ground-rules')).toContainText(rule);
	await expect(screen.getByTestId('present-monitor')).toContainText(johan.plan.monitor);
	// The evaluation is a date now: the screen says it in words ("12 maart 2031").
	await expect(screen.getByTestId('present-evaluation')).toContainText(evaluationInWords(johan.plan.evaluation, 'nl'));
	await expect(screen.getByTestId('present-contingency')).toContainText(JOHAN_CONTINGENCY);
	// Grouped by theme, each theme once, with its icon.
	const themes = (await screen.getByTestId('theme-label').allTextContents()).map((theme) => theme.trim());
	expect(new Set(themes).size).toBe(themes.length);
	expect(themes).toEqual(expect.arrayContaining(['Opvoeding', 'Geld', 'Contact', 'Gezondheid', 'School']));
	await expect(screen.getByTestId('theme-label').locator('svg')).toHaveCount(themes.length);
	// Who checks an agreement, and on whose behalf it was said.
	const first = screen.getByTestId('present-agreement').filter({ hasText: johan.plan.agreements[0].text });
	await expect(first.getByTestId('present-checked-by')).toHaveText(
		/^Wie controleert deze afspraak\? \W?Oom Herman\W?$/
	);
	const opas = screen.getByTestId('present-agreement').filter({ hasText: johan.plan.agreements[4].text });
	await expect(opas.getByTestId('present-on-behalf')).toHaveText(
		/^Namens \W?Opa\W?, via videobezoek\s*· ingevoerd door \W?Vader\W?$/
	);
	// Coverage written out: every concern and condition, and for Z2 the agreement that answers it.
	const coverage = screen.getByTestId('present-coverage');
	for (const item of [...johan.concerns, ...johan.conditions]) await expect(coverage).toContainText(item.text);
	await expect(screen.getByTestId('coverage-answer')).toHaveCount(johan.concerns.length + johan.conditions.length);
	await expect(coverage.locator('dd').nth(1)).toContainText('Vader blowt alleen op zaterdagavond');

	// Readable across a room: body text (who checks, on whose behalf too) at least 28 px, theme labels at least 20 px.
	expect(await fontSize(screen, '.present-text p')).toBeGreaterThanOrEqual(28);
	expect(await fontSize(screen, '[data-testid="present-coverage"] dt')).toBeGreaterThanOrEqual(28);
	expect(await fontSize(screen, '[data-testid="theme-label"]')).toBeGreaterThanOrEqual(20);
	expect(await fontSize(screen, '[data-testid="present-checked-by"]')).toBeGreaterThanOrEqual(28);
	expect(await fontSize(screen, '[data-testid="present-on-behalf"]')).toBeGreaterThanOrEqual(28);
	await screen.screenshot({ path: 'docs/screenshots/big-screen-plan.png' });

	// A presenter's clicker turns the page.
	await screen.evaluate(() => window.scrollTo(0, 0));
	await screen.keyboard.press('PageDown');
	await expect.poll(() => screen.evaluate(() => window.scrollY)).toBeGreaterThan(500);
	await screen.keyboard.press('PageUp');
	await expect.poll(() => screen.evaluate(() => window.scrollY)).toBeLessThan(100);

	// The family amends its last agreement: the card comes into view and is marked for a moment.
	const last = agreementsOf(plan.doc).get(agreementsOf(plan.doc).length - 1);
	(last.get('when') as Y.Text).insert(0, 'elke vrijdag ');
	const amended = screen.locator('[data-testid="present-agreement"].marked');
	await expect(amended).toHaveCount(1);
	await expect(amended).toContainText('elke vrijdag');
	await expect(amended).toBeInViewport();
	await screen.screenshot({ path: 'docs/screenshots/big-screen-amendment.png' });
	await expect(screen.locator('[data-testid="present-agreement"].marked')).toHaveCount(0, { timeout: 15_000 });

	// Private time again: the screen shows only that the family is in private time.
	await changePhase(johanConference.family.get('Vader')!, conferenceId, 'private');
	await expect(screen.getByTestId('present-status')).toBeVisible();
	await expect(screen.getByTestId('present-plan')).toHaveCount(0);
	await expect(screen.locator('body')).not.toContainText(johan.plan.agreements[0].text);

	// Accepted: the screen shows the accepted plan, with the amendment.
	await changePhase(johanConference.family.get('Vader')!, conferenceId, 'presentation');
	await acceptPlan(johanConference.guardian, conferenceId);
	await expect(screen.getByText('Plan aanvaard')).toBeVisible();
	await expect(screen.getByTestId('present-agreement')).toHaveCount(johan.plan.agreements.length);
	await expect(screen.getByTestId('present-plan')).toContainText('elke vrijdag');
	// The evaluation date, with the days until it.
	const today = new Date();
	const daysUntil = Math.round(
		(Date.parse(`${johan.plan.evaluation}T00:00:00Z`) -
			Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate())) /
			86_400_000
	);
	await expect(screen.getByTestId('present-evaluation-day')).toContainText(
		`${evaluationInWords(johan.plan.evaluation, 'nl')} — nog ${daysUntil} dagen`
	);
	await screen.screenshot({ path: 'docs/screenshots/big-screen-accepted.png' });

	// The accepted plan's PDF, page by page, for the README (poppler's pdftoppm).
	const pdf = await johanConference.family.get('Vader')!.get(`/c/${conferenceId}/plan.pdf`);
	expect(pdf.status).toBe(200);
	const dir = mkdtempSync(join(tmpdir(), 'kring-pdf-'));
	try {
		writeFileSync(join(dir, 'plan.pdf'), pdf.body);
		execFileSync('pdftoppm', [
			'-png',
			'-r',
			'60',
			'-f',
			'1',
			'-l',
			'2',
			join(dir, 'plan.pdf'),
			'docs/screenshots/johan-plan-pdf'
		]);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	expect(errors).toEqual([]);
	await room.close();
});
