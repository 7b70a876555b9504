import { expect, type Browser, type Page } from '@playwright/test';
import { createConference, joinWithRoomCode, signInCoordinator } from './coordinator';
import { addCard, confirmStep } from './plan';

export const PHONE = {
	viewport: { width: 360, height: 740 },
	isMobile: true,
	hasTouch: true,
	deviceScaleFactor: 2,
	locale: 'nl-NL'
};
export const LAPTOP = { viewport: { width: 1280, height: 860 }, locale: 'nl-NL' };

/** A page that accepts every dialog and remembers page errors and console warnings. */
export type Watched = { page: Page; errors: string[]; warnings: string[] };

export async function openWatched(browser: Browser, options: object, init?: () => void): Promise<Watched> {
	const context = await browser.newContext(options);
	if (init) await context.addInitScript(init);
	const page = await context.newPage();
	const watched: Watched = { page, errors: [], warnings: [] };
	page.on('dialog', (dialog) => void dialog.accept());
	page.on('pageerror', (error) => watched.errors.push(`${page.url()}: ${error.message}`));
	page.on('console', (message) => {
		if (message.type() === 'warning' || message.type() === 'error') watched.warnings.push(message.text());
	});
	return watched;
}

/** Two family phones that confirm each other at the hand-over, with a coordinator on a laptop. */
export async function familyInPrivateTime(
	browser: Browser,
	title: string,
	family: [string, string],
	init?: () => void,
	/** What happens in the information phase (the brief's concerns, say), before the family's own time. */
	inInformation?: (coordinator: Page, first: Page) => Promise<void>
): Promise<{ coordinator: Watched; first: Watched; second: Watched }> {
	const coordinator = await openWatched(browser, LAPTOP);
	const first = await openWatched(browser, PHONE, init);
	const second = await openWatched(browser, PHONE, init);
	await signInCoordinator(coordinator.page);
	const roomCode = await createConference(coordinator.page, title, `Hoe gaat het verder met ${family[0]}?`);
	await joinWithRoomCode(first.page, roomCode, family[0]);
	await joinWithRoomCode(second.page, roomCode, family[1]);
	await expect(second.page.getByTestId('phase')).toContainText('Voorbereiding');
	await coordinator.page.getByTestId('to-information').click();
	if (inInformation) await inInformation(coordinator.page, first.page);
	await coordinator.page.getByTestId('to-private').click();
	await confirmStep(coordinator.page, 'Vanaf nu zie jij niets meer');
	await expect(coordinator.page.getByTestId('status-only')).toBeVisible();
	const ours = (page: Page, name: string) =>
		page.getByTestId('circle-device').filter({ hasText: name }).getByRole('button', { name: 'Van ons', exact: true });
	await ours(first.page, family[1]).click();
	await expect(second.page.getByTestId('private-banner')).toBeVisible();
	await ours(second.page, family[0]).click();
	await expect(first.page.getByTestId('private-banner')).toBeVisible();
	// Edits wait until the plan is open on both phones (docs/design.md §10: an edit made while a
	// phone connects can be refused).
	for (const phone of [first, second]) await expect(phone.page.getByText('Nog geen afspraken')).toBeVisible();
	return { coordinator, first, second };
}

/** Adds someone without a device to the family's circle, from the circle view. */
export async function addToCircle(page: Page, name: string, how: 'Via videobezoek' | 'Kan er niet bij zijn') {
	const circle = page.getByTestId('circle');
	await circle.getByLabel('Iemand zonder apparaat toevoegen').fill(name);
	await circle.getByLabel('Hoe doet deze persoon mee?').selectOption({ label: how });
	await circle.getByTestId('circle-add').click();
}

/** Adds an agreement with its text and theme through the board's short flow; the new card opens. */
export async function addAgreement(page: Page, text: string, theme = 'Wonen') {
	await addCard(page, text, { theme });
}
