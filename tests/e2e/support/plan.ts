import { expect, type Page } from '@playwright/test';

/** A date `days` after today in Amsterdam (the browsers' time zone), as a date field takes it. */
export function daysFromToday(days: number): string {
	const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(new Date());
	const [y, m, d] = today.split('-').map(Number);
	return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Adds a card the way the board asks for it: the theme first; the new card opens. */
export async function addCard(page: Page, theme = 'Wonen'): Promise<void> {
	await page.getByTestId('add-agreement').click();
	await page.getByTestId('choose-theme').getByRole('button', { name: theme, exact: true }).click();
}

/** Answers the board's confirmation with yes, after checking it names the consequence. */
export async function confirmStep(page: Page, consequence?: string | RegExp): Promise<void> {
	const dialog = page.getByTestId('confirm');
	await expect(dialog).toBeVisible();
	if (consequence) await expect(dialog).toContainText(consequence);
	await dialog.getByTestId('confirm-yes').click();
	await expect(dialog).toBeHidden();
}

/** Writes the evaluation date and the "what if" (the plan needs an agreement besides). */
export async function completePlan(page: Page): Promise<void> {
	await page.getByTestId('evaluation-date').fill(daysFromToday(42));
	await page.locator('#meta-contingency').fill('Dan bellen we de coördinator.');
}

/** "Wij zijn klaar", confirmed. */
export async function weAreReady(page: Page): Promise<void> {
	await page.getByTestId('to-presentation').click();
	await confirmStep(page, 'meelezen');
}
