import { expect, test } from '@playwright/test';
import { familyInPrivateTime } from './support/family';

/**
 * Wim uses a keyboard, not a mouse: from the top of the board two skip links lead to the plan and
 * to "add an agreement"; the theme chooser opens with its first theme focused, and the new
 * agreement takes the focus, so he types at once.
 */
test('a keyboard user reaches the plan and adds an agreement in a few keys', async ({ browser }) => {
	test.setTimeout(120_000);
	const { coordinator, first, second } = await familyInPrivateTime(browser, 'Plan Wim', ['Wim', 'Edith']);
	const wim = first.page;
	await wim.reload();
	await expect(wim.getByTestId('add-agreement')).toBeVisible();

	await wim.keyboard.press('Tab');
	await expect(wim.getByRole('link', { name: 'Naar het plan' })).toBeFocused();
	await wim.keyboard.press('Enter');
	await expect(wim.getByRole('heading', { name: 'Afspraken' })).toBeFocused();

	// From the top again: Tab, Tab, Enter, Enter, Enter, and he is typing in a new agreement.
	await wim.reload();
	// Edits wait until the plan is open (docs/design.md §10: an edit made while a phone connects can be refused).
	await expect(wim.getByText('Nog geen afspraken')).toBeVisible();
	await wim.keyboard.press('Tab');
	await wim.keyboard.press('Tab');
	await expect(wim.getByRole('link', { name: 'Afspraak toevoegen' })).toBeFocused();
	await wim.keyboard.press('Enter');
	await expect(wim.getByTestId('add-agreement')).toBeFocused();
	// A new agreement asks for its theme first: the first theme has the focus, Enter takes it.
	await wim.keyboard.press('Enter');
	await expect(wim.getByTestId('choose-theme').getByRole('button', { name: 'Wonen', exact: true })).toBeFocused();
	await wim.keyboard.press('Enter');
	await expect(wim.getByRole('textbox', { name: 'Wat spreken we af?' }).first()).toBeFocused();
	await wim.keyboard.type('Wim brengt de kinderen op maandag naar school.');
	const card = second.page.getByTestId('agreement').first();
	await expect(card).toContainText('Wonen');
	await expect(card).toContainText('Wim brengt de kinderen op maandag');

	for (const watched of [coordinator, first, second]) {
		expect(watched.errors).toEqual([]);
		await watched.page.context().close();
	}
});
