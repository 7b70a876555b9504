import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { createConference, joinWithRoomCode, signInCoordinator } from './support/coordinator';
import { addCard, completePlan, confirmStep, weAreReady } from './support/plan';

/**
 * The whole path of one conference, as its people live it: a coordinator on a laptop, a
 * professional, and two family members on 360 px phones.
 */
const phone = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const laptop = { viewport: { width: 1280, height: 860 } };
const PLAN_TEXT = 'Johan woont bij zijn vader';
const WHEN_TEXT = 'elke woensdagmiddag';

/** Uncaught errors in any page: a broken screen is a failed conference, even if the test got through. */
const pageErrors: string[] = [];

async function open(browser: Browser, options: object): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext({ ...options, locale: 'nl-NL' });
	const page = await context.newPage();
	page.on('dialog', (dialog) => void dialog.accept());
	page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.stack ?? error.message}`));
	return { context, page };
}

async function shot(page: Page, name: string) {
	await page.screenshot({ path: `docs/screenshots/${name}.png`, fullPage: true });
}

test('a conference goes from invitation to an accepted plan, and the coordinator sees nothing in private time', async ({
	browser
}) => {
	test.setTimeout(180_000);
	const coordinator = await open(browser, laptop);
	const professional = await open(browser, laptop);
	const edith = await open(browser, phone);
	const wim = await open(browser, phone);

	// The operator's one-time link makes the first coordinator account (or she signs in).
	const c = coordinator.page;
	await signInCoordinator(c);
	const roomCode = await createConference(c, 'Johan', 'Waar kan Johan (8) veilig opgroeien en wat is daarvoor nodig?');
	expect(roomCode).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
	await shot(c, 'preparation-coordinator');

	// The professional is invited by a link and makes an account.
	await c.getByLabel('Naam', { exact: true }).fill('Gezinsvoogd Karim');
	await c.getByLabel('E-mailadres').fill('karim@jeugdzorg.test');
	await c.getByRole('button', { name: 'Maak uitnodiging' }).click();
	const professionalLink = await c.getByTestId('professional-link').inputValue();
	const p = professional.page;
	await p.goto(professionalLink);
	await p.getByLabel('Wachtwoord').fill('nog een lang wachtwoord');
	await p.getByRole('button', { name: 'Account aanmaken en meedoen' }).click();
	await expect(p.getByTestId('phase')).toContainText('Voorbereiding');

	// Two family members join on their phones with the room code and a name; no account.
	for (const [person, name] of [
		[edith, 'Tante Edith'],
		[wim, 'Wim']
	] as const) {
		await joinWithRoomCode(person.page, roomCode.toLowerCase(), name);
		await expect(person.page.getByTestId('phase')).toContainText('Voorbereiding');
	}
	// The session survives a reload.
	await edith.page.reload();
	await expect(edith.page.getByRole('heading', { name: 'Johan' })).toBeVisible();

	// Information: the coordinator and the professional write concerns and conditions; everyone sees them live.
	await c.getByTestId('to-information').click();
	await expect(c.getByTestId('phase')).toContainText('Informatie');
	await c.getByTestId('add-concern').click();
	await c.getByRole('textbox', { name: 'Zorg 1' }).fill('Vader gebruikt veel softdrugs.');
	await p.getByTestId('add-condition').click();
	await p.getByRole('textbox', { name: 'Voorwaarde 1' }).fill('Johan woont in een huis waar niet wordt geblowd.');
	await expect(edith.page.getByTestId('phase')).toContainText('Informatie');
	await edith.page.getByRole('tab', { name: 'Vraag en zorgen' }).click();
	await expect(edith.page.getByRole('textbox', { name: 'Zorg 1' })).toHaveValue('Vader gebruikt veel softdrugs.');
	await expect(edith.page.getByRole('textbox', { name: 'Voorwaarde 1' })).toHaveValue(
		'Johan woont in een huis waar niet wordt geblowd.'
	);
	await shot(edith.page, 'information-family-phone');

	// Hand-over: private time starts; the staff screens show the phase, a clock and a count only.
	await c.getByTestId('to-private').click();
	await confirmStep(c, 'Vanaf nu zie jij niets meer van het plan');
	await expect(c.getByTestId('status-only')).toBeVisible();
	await expect(p.getByTestId('status-only')).toBeVisible();

	// The family confirms its circle: each phone waits, seeing nothing, until another family phone
	// says it is theirs (a professional who joined as "family" before would be seen here).
	const ours = (page: Page, name: string) =>
		page.getByTestId('circle-device').filter({ hasText: name }).getByRole('button', { name: 'Van ons', exact: true });
	await expect(edith.page.getByTestId('confirm-circle')).toContainText('Wim');
	await expect(edith.page.getByTestId('private-banner')).toBeHidden();
	await shot(edith.page, 'hand-over-confirm-circle-phone');
	await ours(edith.page, 'Wim').click();
	await expect(wim.page.getByTestId('private-banner')).toBeVisible();
	await ours(wim.page, 'Tante Edith').click();
	await expect(edith.page.getByTestId('private-banner')).toBeVisible();
	await expect(wim.page.getByTestId('confirm-circle')).toBeHidden();

	// The family drafts the plan on two phones, live, with presence.
	const e = edith.page;
	const w = wim.page;
	await e.getByRole('tab', { name: 'Ons plan' }).click();
	await w.getByRole('tab', { name: 'Ons plan' }).click();
	await addCard(e, PLAN_TEXT, { theme: 'Wonen' });
	await expect(w.getByTestId('agreement').first()).toContainText(PLAN_TEXT);
	// On Wim's phone the card is a summary until he taps it.
	await w.getByTestId('open-agreement').first().click();
	await w.getByLabel('Wanneer').first().fill(WHEN_TEXT);
	await expect(e.getByLabel('Wanneer').first()).toHaveValue(WHEN_TEXT);
	await e.getByTestId('agreement').first().getByRole('button', { name: 'Wim' }).click();
	await e.getByTestId('agreement').first().getByRole('button', { name: /^Z1\b/ }).click();
	await expect(e.getByTestId('presence')).toContainText('Wim');
	await expect(w.getByTestId('presence')).toContainText('Tante Edith');
	await expect(c.getByTestId('connected-family')).toContainText('2');
	await shot(e, 'private-family-phone');
	await shot(c, 'private-coordinator');

	// Nothing of the plan ever reached the staff screens; nothing of the brief shows any more,
	// and after a reload not even the page's own data holds it.
	for (const staffPage of [c, p]) {
		expect(await staffPage.content()).not.toContain(PLAN_TEXT);
		expect(await staffPage.content()).not.toContain(WHEN_TEXT);
		const visible = await staffPage.locator('body').innerText();
		expect(visible).not.toContain('softdrugs');
		expect(visible).not.toContain('Waar kan Johan');
		await staffPage.reload();
		await expect(staffPage.getByTestId('status-only')).toBeVisible();
		const html = await staffPage.content();
		for (const secret of [PLAN_TEXT, WHEN_TEXT, 'softdrugs', 'Waar kan Johan', 'geblowd'])
			expect(html).not.toContain(secret);
	}

	// The family says "we are ready" once the plan has a date to evaluate and a "what if":
	// presentation. The coordinator sees the plan, read-only.
	await completePlan(w);
	await weAreReady(w);
	await expect(c.getByTestId('phase')).toContainText('Presentatie');
	await expect(c.getByTestId('agreement').first()).toContainText(PLAN_TEXT);
	await expect(c.getByTestId('read-only')).toBeVisible();
	const bigScreen = await coordinator.context.newPage();
	await bigScreen.goto(c.url() + '/present');
	await expect(bigScreen.getByTestId('present-plan')).toContainText(PLAN_TEXT);
	// The family can still amend it, and the big screen follows live.
	await e.getByRole('textbox', { name: 'Wat spreken we af?' }).first().click();
	await e.keyboard.press('End');
	await e.keyboard.type(', op school blijft alles hetzelfde.');
	await expect(bigScreen.getByTestId('present-plan')).toContainText('op school blijft alles hetzelfde');
	await shot(bigScreen, 'presentation-big-screen');

	// The professional accepts: the plan is frozen as version 1 with its SHA-256.
	await p.reload();
	await p.getByLabel('Eventuele voorwaarden bij het aanvaarden').fill('Evaluatie na zes weken.');
	await p.getByTestId('accept').click();
	await confirmStep(p, 'Daarna kan niemand het meer veranderen');
	for (const page of [p, c, e, w]) {
		await expect(page.getByTestId('accepted-plan')).toContainText('versie 1', { timeout: 15_000 });
		await expect(page.getByTestId('accepted-plan')).toContainText(PLAN_TEXT);
	}
	const sha = (await e.getByTestId('sha256').textContent())!.trim();
	expect(sha).toMatch(/^[0-9a-f]{64}$/);
	await shot(e, 'accepted-family-phone');

	// The printable view shows the same frozen plan.
	const print = await edith.context.newPage();
	await print.goto(e.url() + '/print');
	await expect(print.getByTestId('accepted-plan')).toContainText(PLAN_TEXT);
	await expect(print.getByTestId('sha256')).toHaveText(sha);
	// What the agreement answers is written out, not only "Z1".
	await expect(print.getByTestId('answered').first()).toContainText(/Z1\s*Vader gebruikt veel softdrugs\./);

	// The PDF button next to print and download brings the same plan as a PDF, made on the server.
	const pdfLink = e.getByRole('link', { name: 'PDF' });
	const pdf = await edith.context.request.get(new URL((await pdfLink.getAttribute('href'))!, e.url()).href);
	expect(pdf.headers()['content-type']).toBe('application/pdf');
	expect((await pdf.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');

	for (const person of [coordinator, professional, edith, wim]) await person.context.close();
	expect(pageErrors).toEqual([]);
});
