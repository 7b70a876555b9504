import { expect, test, type Browser, type Page } from '@playwright/test';
import johan from '../fixtures/johan.json' with { type: 'json' };
import { johanInPresentation } from '../support/johan-conference';
import { acceptPlan, changePhase } from '../support/steps';
import { liveDocs } from '../support/yjs-client';
import { coordinatorOver, serverAt, sessionOf } from './support/as-browser';
import { joinWithRoomCode, signInCoordinator } from './support/coordinator';
import { confirmStep } from './support/plan';

/**
 * After the afternoon (docs/design.md §6, §7): a family member keeps a link of her own to the
 * accepted plan and comes back with it after her phone's session ended and the conference was
 * closed; she ticks agreements done or not yet and the professional sees it on his board; the
 * coordinator starts the evaluation conference from the accepted plan.
 */
const phone = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const laptop = { viewport: { width: 1280, height: 860 } };
const docs = liveDocs();
test.afterAll(() => docs.closeAll());

async function open(browser: Browser, options: object, errors: string[]): Promise<Page> {
	const context = await browser.newContext({ ...options, locale: 'nl-NL' });
	const page = await context.newPage();
	page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
	return page;
}

test('a family member comes back to the accepted plan with her own link, ticks agreements, and the evaluation starts from it', async ({
	browser,
	baseURL
}) => {
	test.setTimeout(180_000);
	const errors: string[] = [];
	const server = serverAt(baseURL);
	const coordinatorPage = await open(browser, laptop, errors);
	await signInCoordinator(coordinatorPage);
	const coordinator = await coordinatorOver(server);
	const johanConference = await johanInPresentation(server, coordinator, docs);
	const { conferenceId, guardian, family } = johanConference;
	johanConference.plan.destroy();
	await acceptPlan(guardian, conferenceId);

	// Mother's phone: the accepted plan, and a link of her own, shown once.
	const mother = await open(browser, phone, errors);
	await sessionOf(mother.context(), family.get('Moeder')!);
	await mother.goto(`/c/${conferenceId}`);
	await expect(mother.getByTestId('accepted-plan')).toBeVisible();
	await mother.getByTestId('make-plan-link').click();
	const link = (await mother.getByTestId('plan-link-url').getAttribute('href'))!;
	expect(link).toMatch(/\/p\/[a-z2-7]{32}$/);
	await mother.screenshot({ path: 'docs/screenshots/plan-link-phone.png' });

	// She leaves the phone (it asks first; her session ends there), and the coordinator closes the conference.
	await mother.getByTestId('leave').click();
	await confirmStep(mother, 'verlaat de conferentie');
	await expect(mother).toHaveURL(/\/\?left=1$/);
	await mother.goto(`/c/${conferenceId}`);
	await expect(mother.getByTestId('accepted-plan')).toHaveCount(0);
	await changePhase(coordinator, conferenceId, 'closed');

	// Weeks later, on a phone with nothing but her link.
	const later = await open(browser, phone, errors);
	await later.goto(link);
	await later.getByTestId('open-plan').click();
	await expect(later.getByTestId('accepted-plan')).toBeVisible();
	await expect(later.getByTestId('phase')).toContainText('Afgesloten');
	await expect(later.getByTestId('accepted-plan')).toContainText(johan.plan.agreements[0].text);

	// The professional's board follows the family's ticks.
	const professional = await open(browser, laptop, errors);
	await sessionOf(professional.context(), guardian);
	await professional.goto(`/c/${conferenceId}`);
	await expect(professional.getByTestId('accepted-plan')).toBeVisible();
	const agreementTicks = (page: Page) => page.locator('.tick').first();
	await expect(agreementTicks(professional)).toContainText('Nog niet nagekeken');
	await expect(agreementTicks(professional).getByRole('button')).toHaveCount(0);

	const first = agreementTicks(later);
	await first.getByText('Afvinken').click();
	await first.getByLabel('Toelichting').fill('Vader zoekt nog een groter huis');
	await first.getByRole('button', { name: 'Nog niet' }).click();
	await expect(agreementTicks(professional).getByTestId('tick-state')).toContainText('Nog niet');
	await expect(agreementTicks(professional)).toContainText('Vader zoekt nog een groter huis');
	await later.locator('.tick').nth(1).getByText('Afvinken').click();
	await later.locator('.tick').nth(1).getByRole('button', { name: 'Gedaan' }).click();
	await expect(professional.locator('.tick').nth(1).getByTestId('tick-state')).toContainText('Gedaan');

	// The evaluation date, with how long until it, on every board.
	const inThreeMonths = new Date(Date.now() + 91 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
	await later.getByLabel('Datum van de evaluatie').fill(inThreeMonths);
	await later.getByTestId('evaluation-date').getByRole('button', { name: 'Opslaan' }).click();
	await expect(professional.getByTestId('days-until')).toHaveText('nog 91 dagen');
	await expect(professional.getByTestId('follow-up-summary')).toContainText('gedaan: 1 · nog niet: 1');
	await later.getByTestId('evaluation-date').evaluate((card) => card.scrollIntoView({ block: 'start' }));
	await later.evaluate(() => window.scrollBy(0, -90));
	await later.screenshot({ path: 'docs/screenshots/follow-up-family-phone.png' });
	await professional.locator('.agreements-frozen').evaluate((list) => list.scrollIntoView({ block: 'start' }));
	await professional.evaluate(() => window.scrollBy(0, -120));
	await professional.screenshot({ path: 'docs/screenshots/follow-up-professional.png' });

	// The coordinator starts the evaluation conference from the accepted plan.
	await coordinatorPage.goto(`/c/${conferenceId}`);
	await coordinatorPage.getByTestId('start-evaluation').click();
	await expect(coordinatorPage).not.toHaveURL(new RegExp(`/c/${conferenceId}$`));
	await expect(coordinatorPage.getByTestId('phase')).toContainText('Voorbereiding');
	await expect(coordinatorPage.getByTestId('earlier-plan')).toContainText('versie 1');
	await expect(coordinatorPage.getByTestId('earlier-plan')).toContainText('Tante Edith');
	await expect(coordinatorPage.getByTestId('question')).toHaveText(johan.question);
	const roomCode = (await coordinatorPage.getByTestId('room-code').textContent())!.trim();

	// The family joins it and finds last time's agreements as the starting point.
	const edith = await open(browser, phone, errors);
	await joinWithRoomCode(edith, roomCode, 'Tante Edith');
	await edith.getByRole('tab', { name: 'Ons plan' }).click();
	await expect(edith.getByText(johan.plan.agreements[0].text)).toBeVisible();

	// The old conference keeps its accepted version.
	await later.reload();
	await expect(later.getByTestId('accepted-plan')).toContainText('versie 1');
	expect(errors).toEqual([]);
});
