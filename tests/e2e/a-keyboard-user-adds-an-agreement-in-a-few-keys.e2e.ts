import { expect, test } from '@playwright/test';
import { familyInPrivateTime } from './support/family';

/**
 * Wim uses a keyboard, not a mouse: from the top of the board two skip links lead to the plan and
 * to "add an agreement"; the short flow asks what (Tab, Enter takes a theme), who (Enter skips) and
 * when, and ends on the new card.
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
	// The short flow opens on "what": he types it, Tab reaches the first theme, Enter takes it and goes on.
	await wim.keyboard.press('Enter');
	await expect(wim.getByRole('textbox', { name: 'Wat spreken we af?' })).toBeFocused();
	await wim.keyboard.type('Wim brengt de kinderen op maandag naar school.');
	await wim.keyboard.press('Tab');
	await expect(wim.getByTestId('choose-theme').getByRole('button', { name: 'Wonen', exact: true })).toBeFocused();
	await wim.keyboard.press('Enter');
	// "Who": Enter skips it. "When": he types it, Enter. That was the last question: the card is made.
	await expect(wim.getByTestId('flow-next')).toBeFocused();
	await expect(wim.getByTestId('flow-next')).toHaveText('Overslaan');
	await wim.keyboard.press('Enter');
	await expect(wim.getByRole('textbox', { name: 'Wanneer?' })).toBeFocused();
	await wim.keyboard.type('elke maandag');
	await wim.keyboard.press('Enter');
	await expect(wim.getByTestId('add-flow')).toBeHidden();
	await expect(wim.getByTestId('agreement').first().getByRole('heading', { level: 3 })).toBeFocused();
	const card = second.page.getByTestId('agreement').first();
	await expect(card).toContainText('Wonen');
	await expect(card).toContainText('Wim brengt de kinderen op maandag');
	await expect(card).toContainText('elke maandag');

	for (const watched of [coordinator, first, second]) {
		expect(watched.errors).toEqual([]);
		await watched.page.context().close();
	}
});
