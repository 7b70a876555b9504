import { expect, test, type Browser } from '@playwright/test';
import { createConference, joinWithRoomCode, signInCoordinator } from './support/coordinator';

/**
 * Found when tried as a new user would: a concern's theme changed on the coordinator's laptop did
 * not change on the family's phone until it reloaded. Every screen follows the theme live.
 */
const phone = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };

async function open(browser: Browser, options: object = {}) {
	const context = await browser.newContext({ ...options, locale: 'nl-NL' });
	return { context, page: await context.newPage() };
}

test('a concern’s theme changed on one screen changes on the others at once', async ({ browser }) => {
	const coordinator = await open(browser);
	const family = await open(browser, phone);
	const c = coordinator.page;
	const f = family.page;
	await signInCoordinator(c);
	const roomCode = await createConference(c, 'Thema', 'Hoe gaat het verder?');
	await joinWithRoomCode(f, roomCode, 'Oma');
	await c.getByTestId('to-information').click();
	await expect(f.getByTestId('phase')).toContainText('Informatie');

	await c.getByTestId('add-concern').click();
	await c.getByRole('textbox', { name: 'Zorg 1' }).fill('Het geld is op');
	await f.getByRole('tab', { name: 'Vraag en zorgen' }).click();
	const concernOnPhone = f.getByTestId('concern').first();
	await expect(concernOnPhone.getByRole('textbox', { name: 'Zorg 1' })).toHaveValue('Het geld is op');
	await expect(concernOnPhone.getByLabel('Onderwerp')).toHaveValue('other');

	await c.getByTestId('concern').first().getByLabel('Onderwerp').selectOption('money');
	await expect(concernOnPhone.getByLabel('Onderwerp')).toHaveValue('money');
	await c.getByTestId('concern').first().getByLabel('Onderwerp').selectOption('housing');
	await expect(concernOnPhone.getByLabel('Onderwerp')).toHaveValue('housing');

	// The same between two family phones, where both may change the family's own worry.
	const other = await open(browser, phone);
	const o = other.page;
	await joinWithRoomCode(o, roomCode, 'Opa');
	await expect(o.getByTestId('phase')).toContainText('Informatie');
	await f.getByTestId('add-concern').click();
	await f.getByRole('textbox', { name: 'Zorg 2' }).fill('Opa is vaak alleen');
	await o.getByRole('tab', { name: 'Vraag en zorgen' }).click();
	const onOpa = o.getByTestId('concern').nth(1);
	await expect(onOpa.getByRole('textbox', { name: 'Zorg 2' })).toHaveValue('Opa is vaak alleen');
	await f.getByTestId('concern').nth(1).getByLabel('Onderwerp').selectOption('health');
	await expect(onOpa.getByLabel('Onderwerp')).toHaveValue('health');
	await onOpa.getByLabel('Onderwerp').selectOption('contact');
	await expect(f.getByTestId('concern').nth(1).getByLabel('Onderwerp')).toHaveValue('contact');

	for (const person of [coordinator, family, other]) await person.context.close();
});
