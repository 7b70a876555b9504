import { expect, type Page } from '@playwright/test';

/** A date `days` after today in Amsterdam (the browsers' time zone), as a date field takes it. */
export function daysFromToday(days: number): string {
	const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(new Date());
	const [y, m, d] = today.split('-').map(Number);
	return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** What a new agreement gets in the board's short flow besides its text; what is left out is skipped. */
export type NewAgreement = { theme?: string; who?: string[]; when?: string; answers?: string[] };

/**
 * Adds an agreement the way a phone does, one question at a time: what (and its theme), who,
 * when, and which concern or condition it answers (asked only when the brief has any). The flow
 * ends on the new card, open.
 */
export async function addCard(page: Page, what: string, agreement: NewAgreement = {}): Promise<void> {
	await page.getByTestId('add-agreement').click();
	const flow = page.getByTestId('add-flow');
	const atStep = (step: string) => page.locator(`[data-testid="add-flow"][data-step="${step}"]`);
	await flow.getByLabel('Wat spreken we af?').fill(what);
	if (agreement.theme) {
		await flow.getByTestId('choose-theme').getByRole('button', { name: agreement.theme, exact: true }).click();
	}
	await flow.getByTestId('flow-next').click();
	await expect(atStep('who')).toBeVisible();
	for (const name of agreement.who ?? []) {
		await flow.getByTestId('flow-who').getByRole('button', { name, exact: true }).click();
	}
	await flow.getByTestId('flow-next').click();
	await expect(atStep('when')).toBeVisible();
	if (agreement.when) await flow.getByLabel('Wanneer?').fill(agreement.when);
	await flow.getByTestId('flow-next').click();
	await expect(atStep('when')).toHaveCount(0);
	if ((await atStep('answers').count()) > 0) {
		for (const label of agreement.answers ?? []) {
			await flow.getByTestId('flow-answers').getByRole('button', { name: label }).click();
		}
		await flow.getByTestId('flow-next').click();
	}
	await expect(flow).toBeHidden();
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
