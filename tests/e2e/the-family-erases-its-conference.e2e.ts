import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { createConference, joinWithRoomCode, signInCoordinator } from './support/coordinator';
import { addCard, completePlan, confirmStep, weAreReady } from './support/plan';

/**
 * Once its plan is accepted the family sees when Kring erases everything, takes its data along,
 * and can erase it all at once: every screen of the conference is sent away, and nothing stays on
 * the family's phones.
 */
const phone = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** The names of the IndexedDB databases Kring keeps on this device. */
const kringDatabases = (page: Page) =>
	page.evaluate(async () =>
		(await indexedDB.databases()).map((db) => db.name ?? '').filter((name) => name.startsWith('kring:'))
	);

test('the family downloads its data, then erases the whole conference from every screen', async ({ browser }) => {
	test.setTimeout(120_000);
	const pageErrors: string[] = [];
	const open = async (options: object) => {
		const context = await browser.newContext({ ...options, locale: 'nl-NL' });
		const page = await context.newPage();
		page.on('dialog', (dialog) => void dialog.accept());
		page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
		return page;
	};
	const coordinator = await open({ viewport: { width: 1280, height: 860 } });
	const samira = await open(phone);
	const dennis = await open(phone);

	await signInCoordinator(coordinator);
	const roomCode = await createConference(coordinator, 'Plan Samira en Dennis', 'Hoe houden we het thuis rustig?');
	await joinWithRoomCode(samira, roomCode, 'Samira');
	await joinWithRoomCode(dennis, roomCode, 'Dennis');
	await coordinator.getByTestId('to-information').click();
	await coordinator.getByTestId('to-private').click();
	await confirmStep(coordinator);
	// The family confirms its circle: each phone says the other is theirs.
	const ours = (page: Page, name: string) =>
		page.getByTestId('circle-device').filter({ hasText: name }).getByRole('button', { name: 'Van ons', exact: true });
	await ours(samira, 'Dennis').click();
	await ours(dennis, 'Samira').click();
	await expect(samira.getByTestId('private-banner')).toBeVisible();
	await addCard(samira, 'Samira belt elke zondag met Dennis', { theme: 'Contact' });
	await expect(dennis.getByTestId('agreement').first()).toContainText('Samira belt elke zondag');
	await completePlan(samira);
	await weAreReady(samira);
	await coordinator.getByTestId('accept').click();
	await confirmStep(coordinator);
	await expect(samira.getByTestId('accepted-plan')).toContainText('versie 1', { timeout: 15_000 });

	// The date on which everything goes is on the family's board; nothing can be erased by accident.
	await expect(samira.getByTestId('retention')).toContainText('uiterlijk op');
	await samira.getByText('Jullie gegevens').click();
	const download = samira.waitForEvent('download');
	await samira.getByTestId('my-data').click();
	const file = JSON.parse(readFileSync((await (await download).path())!, 'utf8'));
	expect(file.conference.title).toBe('Plan Samira en Dennis');
	expect(file.plan.agreements[0].text).toBe('Samira belt elke zondag met Dennis');
	expect((await kringDatabases(samira)).length).toBeGreaterThan(0);

	await samira.getByTestId('erase').getByText('Alles wissen').first().click();
	await expect(samira.getByTestId('erase')).toContainText('Dit kan niet ongedaan worden.');
	await expect(samira.getByTestId('erase-submit')).toBeDisabled();
	await samira.getByLabel('Ik begrijp het: wis alles').check();
	await samira.getByTestId('erase-submit').click();

	// Every screen of the conference is sent away and says why; the phones keep nothing.
	for (const page of [samira, dennis]) {
		await expect(page).toHaveURL(/\/\?erased=1$/);
		await expect(page.getByTestId('erased')).toHaveText('Alles van deze conferentie is gewist.');
		expect(await kringDatabases(page)).toEqual([]);
	}
	await expect(coordinator).toHaveURL(/\/staff\?erased=1$/);
	await expect(coordinator.getByRole('main')).not.toContainText('Plan Samira en Dennis');
	await samira.goto(`/`);
	await expect(samira.getByRole('link', { name: 'Naar mijn conferentie' })).toHaveCount(0);

	expect(pageErrors).toEqual([]);
	for (const page of [coordinator, samira, dennis]) await page.context().close();
});
