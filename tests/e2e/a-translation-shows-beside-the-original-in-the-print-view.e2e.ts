import { expect, test } from '@playwright/test';
import { addAgreement, familyInPrivateTime } from './support/family';
import { completePlan, confirmStep, weAreReady } from './support/plan';

/**
 * Els adds a Turkish translation to an agreement for her mother-in-law; once the plan is accepted,
 * the print view shows the original with the translation beside it, and the PDF is made with both.
 */
test('a translation shows beside the original in the print view', async ({ browser }) => {
	test.setTimeout(120_000);
	const { coordinator, first, second } = await familyInPrivateTime(browser, 'Plan Yusuf', ['Els', 'Ahmet']);
	const els = first.page;
	await addAgreement(els, 'Oma haalt Yusuf op woensdag uit school.');
	const card = els.getByTestId('agreement').first();
	await card.getByLabel('Taal van de vertaling').selectOption('tr');
	await card.getByTestId('add-translation').click();
	await card.getByLabel(/Vertaling: \W?Turks/).fill('Büyükanne Çarşamba günü Yusuf’u okuldan alır.');
	// Ahmet's phone shows the card folded; opened, the translation sits beside the original, live.
	const seen = second.page.getByTestId('agreement').first();
	await seen.getByTestId('open-agreement').click();
	await expect(seen.getByLabel(/Vertaling: \W?Turks/)).toHaveValue('Büyükanne Çarşamba günü Yusuf’u okuldan alır.');

	await completePlan(els);
	await weAreReady(els);
	await expect(coordinator.page.getByTestId('phase')).toContainText('Presentatie');
	await coordinator.page.getByTestId('accept').click();
	await confirmStep(coordinator.page, 'vastgelegd');
	await expect(els.getByTestId('accepted-plan')).toContainText('versie 1', { timeout: 15_000 });

	const print = await els.context().newPage();
	await print.goto(`${els.url()}/print`);
	const plan = print.getByTestId('accepted-plan');
	await expect(plan).toContainText('Oma haalt Yusuf op woensdag uit school.');
	const translation = plan.getByTestId('frozen-translation');
	await expect(translation).toContainText(/Vertaling: \W?Turks/);
	await expect(translation.locator('[lang="tr"]')).toHaveText('Büyükanne Çarşamba günü Yusuf’u okuldan alır.');

	const pdf = await els.request.get(`${els.url()}/plan.pdf`);
	expect(pdf.status()).toBe(200);
	expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');

	for (const watched of [coordinator, first, second]) {
		expect(watched.errors).toEqual([]);
		await watched.page.context().close();
	}
});
