import { expect, test, type Page } from '@playwright/test';
import { createConference, joinWithRoomCode, signInCoordinator } from './support/coordinator';
import { addCard, completePlan, confirmStep } from './support/plan';

/**
 * During private time the family holds the door: a relative joining by prison video visit waits
 * until a family member lets him in, a stranger is turned away, and the coordinator can only knock.
 */
/** The names of the IndexedDB databases Kring keeps on this device. */
const kringDatabases = (page: Page) =>
	page.evaluate(async () =>
		(await indexedDB.databases()).map((db) => db.name ?? '').filter((name) => name.startsWith('kring:'))
	);

const phone = {
	viewport: { width: 360, height: 740 },
	isMobile: true,
	hasTouch: true,
	deviceScaleFactor: 2,
	locale: 'nl-NL'
};

test('the family lets a relative in, turns a stranger away, and decides when to come back', async ({ browser }) => {
	test.setTimeout(120_000);
	const pageErrors: string[] = [];
	const open = async (options: object) => {
		const context = await browser.newContext(options);
		const page = await context.newPage();
		page.on('dialog', (dialog) => void dialog.accept());
		page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
		return page;
	};
	const coordinator = await open({ viewport: { width: 1280, height: 860 }, locale: 'nl-NL' });
	const samira = await open(phone);
	const dennis = await open(phone);
	const stranger = await open(phone);

	await signInCoordinator(coordinator);
	const roomCode = await createConference(
		coordinator,
		'Toekomstplan Dennis',
		'Hoe bouwt Dennis na zijn vrijlating een stabiel leven op?'
	);
	await joinWithRoomCode(samira, roomCode, 'Samira');
	await expect(samira.getByTestId('phase')).toContainText('Voorbereiding');
	await coordinator.getByTestId('to-information').click();
	// Samira's phone is the family's only device: the coordinator is warned, and Samira confirms
	// her own phone with an explicit statement.
	await coordinator.getByTestId('to-private').click();
	await confirmStep(coordinator, 'maar één apparaat van de familie');
	await expect(coordinator.getByTestId('status-only')).toBeVisible();
	const alone = samira.getByTestId('confirm-alone');
	await alone.getByLabel('Ik hoor bij de familie', { exact: false }).check();
	await alone.getByRole('button', { name: 'Bevestig mijn apparaat' }).click();
	await expect(samira.getByTestId('private-banner')).toBeVisible();

	// Dennis joins from the prison's video visit room, on a tablet that is not his: he waits at the door.
	await joinWithRoomCode(dennis, roomCode, 'Dennis', { presence: 'Via videobezoek', sharedDevice: true });
	await expect(dennis.getByTestId('waiting')).toBeVisible();
	await expect(dennis.locator('body')).not.toContainText('Hoe bouwt Dennis');

	// Samira sees who is at the door, with the name he typed, and lets him in.
	const request = samira.getByTestId('door-request');
	await expect(request).toContainText('Dennis');
	await expect(request).toContainText('Via videobezoek');
	await samira.screenshot({ path: 'docs/screenshots/private-door-request-phone.png' });
	await request.getByRole('button', { name: 'Binnenlaten', exact: true }).click();
	await expect(dennis.getByTestId('private-banner')).toBeVisible();
	await expect(dennis.getByRole('heading', { name: 'Toekomstplan Dennis' })).toBeVisible();
	// On a device that is not his nothing is kept, and the button says so.
	await expect(dennis.getByTestId('leave')).toHaveText('Klaar — wis dit apparaat');
	expect(await kringDatabases(dennis)).toEqual([]);

	// Someone nobody knows tries Samira's own name: the family is warned, turns them away, and
	// their screen says so.
	await joinWithRoomCode(stranger, roomCode, 'samira');
	await expect(stranger.getByTestId('waiting')).toBeVisible();
	await expect(samira.getByTestId('same-name')).toContainText('er doet al iemand mee die');
	await samira.getByTestId('door-request').getByRole('button', { name: 'Niet binnenlaten' }).click();
	await expect(stranger).toHaveURL(/\?removed=1$/);
	await expect(stranger.getByRole('alert')).toContainText('niet meer mee');

	// One phone sends one device away on its own; for a second stranger Dennis must agree.
	const another = await open(phone);
	await joinWithRoomCode(another, roomCode, 'Onbekend');
	await expect(another.getByTestId('waiting')).toBeVisible();
	await samira.getByTestId('door-request').getByRole('button', { name: 'Niet binnenlaten' }).click();
	await expect(samira.getByTestId('removal-request')).toContainText('Iemand anders van de familie moet het eens zijn');
	await expect(another.getByTestId('waiting')).toBeVisible();
	const ask = dennis.getByTestId('removal-request');
	// Names in a sentence are isolated for right-to-left languages: \W+ lets the marks through.
	await expect(ask).toContainText(/Samira\W+wil het apparaat van\W+Onbekend\W+verwijderen/);
	await ask.getByRole('button', { name: 'Eens', exact: true }).click();
	await expect(another).toHaveURL(/\?removed=1$/);

	// The family writes a plan that is ready to be shown.
	await addCard(samira, 'Dennis zoekt werk met hulp van de reclassering.', { theme: 'Werk' });
	await completePlan(samira);
	await expect(samira.getByTestId('checklist')).toContainText('Alles wat nodig is staat erin.');

	// The coordinator can only knock; the family decides, and "we are coming" starts the presentation.
	await coordinator.getByRole('button', { name: 'Aankloppen bij de familie' }).click();
	await expect(coordinator.getByText('Je hebt aangeklopt')).toBeVisible();
	await expect(coordinator.getByTestId('status-only')).toBeVisible();
	const knock = samira.getByTestId('knock');
	await expect(knock).toBeVisible();
	await knock.getByRole('button', { name: 'We komen' }).click();
	await confirmStep(samira, 'Dan stopt het besloten gedeelte');
	await expect(coordinator.getByTestId('phase')).toContainText('Presentatie');
	await expect(samira.getByTestId('phase')).toContainText('Presentatie');

	// The log shows who let whom in and who knocked, to the family.
	await samira.getByText('Logboek').click();
	await expect(samira.locator('.audit [data-action="door.admitted"]')).toContainText(
		'Samira heeft binnengelaten: Dennis'
	);
	await expect(samira.locator('.audit [data-action="knock"]')).toContainText('Coördinator Anja heeft aangeklopt');
	await expect(samira.locator('.audit [data-action="device.confirmed_self"]')).toContainText('Samira');
	await expect(samira.locator('.audit [data-action="removal.agreed"]')).toContainText(
		'Dennis is het eens en heeft verwijderd: Onbekend'
	);

	// Samira's own phone kept the plan for offline use; when she leaves, it is deleted.
	expect((await kringDatabases(samira)).length).toBeGreaterThan(0);
	await samira.getByTestId('leave').click();
	await confirmStep(samira, 'Dit apparaat verlaat de conferentie');
	await expect(samira).toHaveURL(/\?left=1$/);
	expect(await kringDatabases(samira)).toEqual([]);

	expect(pageErrors).toEqual([]);
	for (const page of [coordinator, samira, dennis, stranger, another]) await page.context().close();
});
