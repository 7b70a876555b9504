import { expect, type Page } from '@playwright/test';

export const COORDINATOR = { name: 'Coördinator Anja', email: 'anja@kring.test', password: 'een lang wachtwoord' };

/**
 * Signs the coordinator in, creating the account through the server's one-time setup link the
 * first time (Playwright hands its token over as KRING_SETUP_TOKEN), whichever test runs first.
 */
export async function signInCoordinator(page: Page): Promise<void> {
	await page.goto(`/setup/${process.env.KRING_SETUP_TOKEN}`);
	if (await page.getByRole('button', { name: 'Account aanmaken' }).isVisible()) {
		await page.getByLabel('Naam').fill(COORDINATOR.name);
		await page.getByLabel('E-mailadres').fill(COORDINATOR.email);
		await page.getByLabel('Wachtwoord').fill(COORDINATOR.password);
		await page.getByRole('button', { name: 'Account aanmaken' }).click();
	} else {
		await page.goto('/login');
		await page.getByLabel('E-mailadres').fill(COORDINATOR.email);
		await page.getByLabel('Wachtwoord').fill(COORDINATOR.password);
		await page.getByRole('button', { name: 'Inloggen' }).click();
	}
	await expect(page).toHaveURL(/\/staff$/);
}

export async function createConference(page: Page, title: string, question: string): Promise<string> {
	await page.getByLabel('Naam van de conferentie').fill(title);
	await page.getByLabel('Vraag van de conferentie').fill(question);
	await page.getByRole('button', { name: 'Aanmaken' }).click();
	await expect(page.getByTestId('phase')).toContainText('Voorbereiding');
	return (await page.getByTestId('room-code').textContent())!.trim();
}

export async function joinWithRoomCode(
	page: Page,
	roomCode: string,
	name: string,
	options: { presence?: string; sharedDevice?: boolean } = {}
): Promise<void> {
	await page.goto('/');
	await page.getByLabel('Kamercode').fill(roomCode);
	await page.getByRole('button', { name: 'Verder' }).click();
	await page.getByLabel('Je naam').fill(name);
	if (options.presence) await page.getByLabel(options.presence).check();
	if (options.sharedDevice) await page.getByLabel('Dit is niet mijn eigen apparaat', { exact: false }).check();
	await page.getByRole('button', { name: 'Meedoen' }).click();
}
