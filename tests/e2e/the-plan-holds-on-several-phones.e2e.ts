import { expect, test, type Browser, type Page } from '@playwright/test';
import { createConference, joinWithRoomCode, signInCoordinator } from './support/coordinator';
import { addCard, completePlan, confirmStep, weAreReady } from './support/plan';

/**
 * Three family phones write one plan: the checklist keeps an empty plan in private time, a
 * deleted card comes back by undo and from the bin, and cards moved on two phones at once end
 * in one order on all three.
 */
const phone = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const pageErrors: string[] = [];

async function open(browser: Browser, options: object): Promise<Page> {
	const context = await browser.newContext({ ...options, locale: 'nl-NL' });
	const page = await context.newPage();
	page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.stack ?? error.message}`));
	return page;
}

const titles = async (page: Page) =>
	(await page.getByTestId('agreement').locator('h3').allTextContents()).map((t) => t.replace(/^\d+\s*/, '').trim());

test('the checklist blocks an empty plan, undo and the bin bring a card back, and moves converge', async ({
	browser
}) => {
	test.setTimeout(180_000);
	const coordinator = await open(browser, { viewport: { width: 1280, height: 860 } });
	const [ayse, mehmet, zeynep] = [await open(browser, phone), await open(browser, phone), await open(browser, phone)];

	await signInCoordinator(coordinator);
	const roomCode = await createConference(coordinator, 'Plan Deniz', 'Hoe blijft Deniz veilig thuis wonen?');
	for (const [page, name] of [
		[ayse, 'Ayşe'],
		[mehmet, 'Mehmet'],
		[zeynep, 'Zeynep']
	] as const)
		await joinWithRoomCode(page, roomCode, name);
	await coordinator.getByTestId('to-information').click();
	await coordinator.getByTestId('to-private').click();
	await confirmStep(coordinator, 'Vanaf nu zie jij niets meer');
	const ours = (page: Page, name: string) =>
		page.getByTestId('circle-device').filter({ hasText: name }).getByRole('button', { name: 'Van ons', exact: true });
	await ours(ayse, 'Mehmet').click();
	await ours(mehmet, 'Zeynep').click();
	await ours(zeynep, 'Ayşe').click();
	for (const page of [ayse, mehmet, zeynep]) await expect(page.getByTestId('private-banner')).toBeVisible();

	// An empty plan: the checklist names what is missing, and the server refuses in Dutch.
	const checklist = ayse.getByTestId('checklist');
	await expect(checklist).toContainText('Minstens één afspraak');
	await expect(checklist).toContainText('Een datum waarop jullie samen kijken hoe het gaat');
	await expect(checklist).toContainText('Wat jullie doen als het anders loopt');
	await expect(ayse.getByTestId('link-state')).toHaveText('Verbonden');
	await checklist.scrollIntoViewIfNeeded();
	await ayse.screenshot({ path: 'docs/screenshots/plan-checklist-phone.png' });
	await weAreReady(ayse);
	const refusal = ayse.getByRole('alert').filter({ hasText: 'nog niet klaar' });
	await expect(refusal).toContainText('Het plan is nog niet klaar om te laten zien. Dit ontbreekt nog:');
	await expect(refusal.getByTestId('missing')).toHaveText(
		/Minstens één afspraak\s*Een datum waarop jullie samen kijken hoe het gaat\s*Wat jullie doen als het anders loopt/
	);
	await expect(coordinator.getByTestId('status-only')).toBeVisible();

	// The checklist's link takes Ayşe to the date field.
	await checklist.getByRole('link', { name: 'Een datum waarop' }).click();
	await expect(ayse.getByTestId('evaluation-date')).toBeFocused();

	// A new card asks what and its theme, then who and when: skipped, the card is "not yet concrete".
	await addCard(ayse, 'Deniz slaapt doordeweeks bij oma Ayşe.', { theme: 'Wonen' });
	const first = ayse.getByTestId('agreement').first();
	await expect(first.getByTestId('not-concrete')).toBeVisible();
	await expect(checklist.getByTestId('checklist-not-concrete')).toContainText('Nog niet concreet');
	await first.getByRole('button', { name: 'Mehmet' }).click();
	await first.getByLabel('Wanneer').fill('vanaf maandag');
	await first.getByLabel('Wie controleert deze afspraak?').fill('Tante Zeynep');
	await expect(first.getByTestId('not-concrete')).toBeHidden();
	await first.getByTestId('fold-agreement').click();
	await addCard(ayse, 'Mehmet brengt Deniz elke ochtend naar school.', { theme: 'School' });
	await ayse.getByTestId('fold-agreement').click();
	await addCard(ayse, 'Zeynep helpt met de post.', { theme: 'Geld' });
	await ayse.getByTestId('fold-agreement').click();

	// On another phone the cards are summaries: what, who and when; a tap opens one.
	const summary = mehmet.getByTestId('agreement').first();
	await expect(summary.getByTestId('open-agreement')).toContainText('Deniz slaapt doordeweeks bij oma Ayşe.');
	await expect(summary.getByTestId('open-agreement')).toContainText('vanaf maandag');
	await summary.scrollIntoViewIfNeeded();
	await summary.screenshot({ path: 'docs/screenshots/plan-card-compact-phone.png' });
	await expect(mehmet.getByTestId('agreement')).toHaveCount(3);

	// Mehmet deletes the school card: it asks first, then the card is in the bin for everyone.
	const school = mehmet.getByTestId('agreement').filter({ hasText: 'naar school' });
	await school.getByTestId('open-agreement').click();
	await school.getByTestId('delete-agreement').click();
	await confirmStep(mehmet, 'prullenbak');
	await expect(zeynep.getByTestId('agreement')).toHaveCount(2);
	await expect(zeynep.getByTestId('bin')).toContainText('Prullenbak (1)');
	// Undo is Mehmet's own: it brings the card back for all.
	await mehmet.getByTestId('undo').click();
	await expect(zeynep.getByTestId('agreement')).toHaveCount(3);
	await expect(zeynep.getByTestId('bin')).toHaveCount(0);
	// Deleted again, Zeynep puts it back from the bin.
	await school.getByTestId('delete-agreement').click();
	await confirmStep(mehmet);
	await zeynep.getByTestId('bin').getByText('Prullenbak (1)').click();
	await expect(zeynep.getByTestId('bin')).toContainText(/weggehaald door\W+Mehmet/);
	await zeynep.getByTestId('bin').getByTestId('restore').click();
	await expect(ayse.getByTestId('agreement').filter({ hasText: 'naar school' })).toHaveCount(1);

	// Two phones move cards at the same moment: all three end with one and the same order.
	await Promise.all([
		ayse.getByTestId('agreement').nth(2).getByTestId('move-up').click(),
		zeynep.getByTestId('agreement').nth(0).getByTestId('move-down').click()
	]);
	await expect
		.poll(async () => {
			const [a, m, z] = await Promise.all([titles(ayse), titles(mehmet), titles(zeynep)]);
			return a.length === 3 && JSON.stringify(a) === JSON.stringify(m) && JSON.stringify(m) === JSON.stringify(z);
		})
		.toBe(true);
	expect((await titles(ayse)).sort()).toEqual(['Geld', 'School', 'Wonen']);

	// The log says who deleted and who put back, never what.
	await ayse.getByText('Logboek').click();
	await expect(ayse.locator('.audit [data-action="plan.card_binned"]').first()).toContainText('Mehmet');
	await expect(ayse.locator('.audit [data-action="plan.card_restored"]').first()).toContainText('Zeynep');
	expect(await ayse.locator('.audit').innerText()).not.toContain('naar school');

	// A complete plan goes through.
	await completePlan(ayse);
	await expect(checklist).toContainText('Alles wat nodig is staat erin.');
	await weAreReady(ayse);
	await expect(coordinator.getByTestId('phase')).toContainText('Presentatie');
	await expect(coordinator.getByTestId('agreement')).toHaveCount(3);

	// Right to left, the folded cards and their arrows turn with the page.
	await zeynep.getByLabel('Taal').selectOption('ar');
	await expect(zeynep.locator('html')).toHaveAttribute('dir', 'rtl');
	await expect(zeynep.getByTestId('link-state')).toHaveClass(/connected/);
	const rtlCard = zeynep.getByTestId('agreement').last();
	await expect(rtlCard.getByTestId('open-agreement')).toBeVisible();
	await rtlCard.scrollIntoViewIfNeeded();
	await rtlCard.screenshot({ path: 'docs/screenshots/plan-card-compact-phone-ar.png' });

	expect(pageErrors).toEqual([]);
	for (const page of [coordinator, ayse, mehmet, zeynep]) await page.context().close();
});
