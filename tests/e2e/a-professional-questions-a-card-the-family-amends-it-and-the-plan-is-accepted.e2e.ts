import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { createConference, joinWithRoomCode, signInCoordinator } from './support/coordinator';
import { addCard, completePlan, confirmStep, weAreReady } from './support/plan';

/**
 * docs/design.md §7: in the presentation a professional does not have to accept or refuse the
 * whole plan. She puts a question on one card with her reason; the family sees it on that card on
 * its phone, amends the agreement, and she accepts. Three browsers: the coordinator's laptop, the
 * professional's laptop and the family's 360 px phone.
 */
const phone = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const laptop = { viewport: { width: 1280, height: 860 } };
const REASON = 'Wie haalt Noor op als oma ziek is? Dat mis ik nog.';

const pageErrors: string[] = [];

async function open(browser: Browser, options: object): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext({ ...options, locale: 'nl-NL' });
	const page = await context.newPage();
	page.on('dialog', (dialog) => void dialog.accept());
	page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.stack ?? error.message}`));
	return { context, page };
}

test('a professional questions a card, the family sees it and amends, and the professional accepts', async ({
	browser
}) => {
	test.setTimeout(180_000);
	const coordinator = await open(browser, laptop);
	const professional = await open(browser, laptop);
	const family = await open(browser, phone);
	const c = coordinator.page;
	const p = professional.page;
	const f = family.page;

	await signInCoordinator(c);
	const roomCode = await createConference(c, 'Noor', 'Hoe blijft Noor veilig naar school gaan?');
	await c.getByLabel('Naam', { exact: true }).fill('Jeugdzorg Pia');
	await c.getByLabel('E-mailadres').fill(`pia-${Date.now()}@jeugdzorg.test`);
	await c.getByRole('button', { name: 'Maak uitnodiging' }).click();
	await p.goto(await c.getByTestId('professional-link').inputValue());
	await p.getByLabel('Wachtwoord').fill('nog een lang wachtwoord');
	await p.getByRole('button', { name: 'Account aanmaken en meedoen' }).click();
	await joinWithRoomCode(f, roomCode, 'Moeder');
	await expect(f.getByTestId('phase')).toContainText('Voorbereiding');

	// Information, hand-over; the family's one phone confirms itself.
	await c.getByTestId('to-information').click();
	await expect(c.getByTestId('phase')).toContainText('Informatie');
	await c.getByTestId('to-private').click();
	await confirmStep(c, 'Vanaf nu zie jij niets meer van het plan');
	await expect(c.getByTestId('status-only')).toBeVisible();
	const alone = f.getByTestId('confirm-alone');
	await alone.getByRole('checkbox').check();
	await alone.getByRole('button').click();
	await expect(f.getByTestId('private-banner')).toBeVisible();

	// The family writes one agreement, completes the plan and presents it.
	await f.getByRole('tab', { name: 'Ons plan' }).click();
	await addCard(f, 'Oma haalt Noor op van school', { theme: 'School' });
	await completePlan(f);
	await weAreReady(f);
	await expect(f.getByTestId('phase')).toContainText('Presentatie');

	// The professional puts a question on the card, with her reason, instead of accepting.
	await p.reload();
	const card = p.getByTestId('agreement').first();
	await expect(card).toContainText('Oma haalt Noor op van school');
	await card.getByTestId('ask-question').click();
	await card.getByLabel('Wat is je vraag, en waarom?').fill(REASON);
	await card.getByTestId('send-question').click();
	await expect(card.getByTestId('card-question')).toContainText(REASON);

	// The family sees it on that card on its phone, live, and amends the agreement.
	const question = f.getByTestId('agreement').first().getByTestId('card-question');
	await expect(question).toContainText(REASON, { timeout: 15_000 });
	await expect(question).toContainText(/Vraag van \W?Jeugdzorg Pia/);
	await question.scrollIntoViewIfNeeded();
	await f.getByTestId('agreement').first().screenshot({
		path: 'docs/screenshots/question-on-a-card-family-phone.png',
		// The sticky header would cover the top of a card taller than the screen.
		style: 'header { position: static !important; }'
	});
	await f.getByRole('textbox', { name: 'Wat spreken we af?' }).first().click();
	await f.keyboard.press('End');
	await f.keyboard.type('; als oma ziek is, haalt tante Els haar op');
	await expect(card).toContainText('tante Els');

	// The coordinator cannot accept over the professional's head; the professional accepts.
	await c.reload();
	await expect(c.getByTestId('agreement').first()).toContainText('tante Els');
	await expect(c.getByTestId('accept')).toHaveCount(0);
	await p.getByLabel('Eventuele voorwaarden bij het aanvaarden').fill('Evaluatie na zes weken.');
	await p.getByTestId('accept').click();
	await confirmStep(p, 'Daarna kan niemand het meer veranderen');
	for (const page of [p, c, f]) {
		await expect(page.getByTestId('accepted-plan')).toContainText('versie 1', { timeout: 15_000 });
		await expect(page.getByTestId('accepted-plan')).toContainText('tante Els');
		await expect(page.getByTestId('accepted-plan')).toContainText('Evaluatie na zes weken.');
	}
	// The question is answered: it is on no card of the accepted plan.
	await expect(f.getByTestId('card-question')).toHaveCount(0);

	for (const person of [coordinator, professional, family]) await person.context.close();
	expect(pageErrors).toEqual([]);
});
