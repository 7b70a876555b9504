import { expect, test, type Page } from '@playwright/test';
import { addToCircle, familyInPrivateTime } from './support/family';
import { useLargeText } from './support/text-size';

/**
 * Samira adds an agreement on her 360 px phone with her thumb: one question a screen (what, who,
 * when, which worry), big buttons, back and forward. "Who" offers Dennis, who takes part by
 * video visit without a device of his own; "which worry" shows Z1 with its words. The agreement
 * takes the worry's theme, the flow ends on the open card, and Els's phone sees it at once. Els
 * then adds one with only its text, skipping the rest.
 */
test('a family member adds an agreement on a phone, one question at a time, and the other phone sees it', async ({
	browser
}) => {
	test.setTimeout(150_000);
	const { coordinator, first, second } = await familyInPrivateTime(
		browser,
		'Toekomst Noor',
		['Samira', 'Els'],
		undefined,
		async (laptop, phone) => {
			await laptop.getByTestId('add-concern').click();
			await laptop.getByRole('textbox', { name: 'Zorg 1' }).fill('Noor komt vaak te laat op school');
			await laptop.getByTestId('concern').first().getByLabel('Onderwerp').selectOption('school');
			await phone.getByRole('tab', { name: 'Vraag en zorgen' }).click();
			await expect(phone.getByTestId('concern').first()).toContainText('School');
			await expect(phone.getByRole('textbox', { name: 'Zorg 1' })).toHaveValue('Noor komt vaak te laat op school');
		}
	);
	const samira = first.page;
	const els = second.page;
	await addToCircle(els, 'Dennis', 'Via videobezoek');
	await expect(samira.getByTestId('circle-video-visit')).toContainText('Dennis');

	await samira.getByTestId('add-agreement').click();
	const flow = samira.getByTestId('add-flow');
	const next = flow.getByTestId('flow-next');
	await expect(flow.getByTestId('flow-progress')).toHaveText('Stap 1 van 4');
	await expect(flow.getByLabel('Wat spreken we af?')).toBeFocused();
	// Without what there is no agreement: the flow says so and stays.
	await next.click();
	await expect(flow.getByRole('alert')).toHaveText('Schrijf eerst op wat jullie afspreken.');
	await flow.getByLabel('Wat spreken we af?').fill('Oma brengt Noor elke ochtend naar school');
	await expectBigTargets(samira);
	await samira.screenshot({ path: 'docs/screenshots/add-agreement-what-phone.png' });
	await next.click();

	await expect(flow.getByTestId('flow-progress')).toHaveText('Stap 2 van 4');
	const who = flow.getByTestId('flow-who');
	for (const name of ['Samira', 'Els', 'Dennis']) await expect(who.getByRole('button', { name })).toBeVisible();
	await expect(next).toHaveText('Overslaan');
	await who.getByRole('button', { name: 'Dennis' }).click();
	await flow.getByLabel('Naam toevoegen').first().fill('Oma Riet');
	await flow.getByLabel('Naam toevoegen').first().press('Enter');
	await expect(who.getByRole('button', { name: 'Oma Riet' })).toHaveAttribute('aria-pressed', 'true');
	await expect(next).toHaveText('Verder');
	await expectBigTargets(samira);
	await next.click();

	// Back keeps what was chosen.
	await expect(flow.getByTestId('flow-progress')).toHaveText('Stap 3 van 4');
	await flow.getByTestId('flow-back').click();
	await expect(who.getByRole('button', { name: 'Dennis' })).toHaveAttribute('aria-pressed', 'true');
	await next.click();
	await flow.getByLabel('Wanneer?').fill('vanaf maandag');
	await next.click();

	await expect(flow.getByTestId('flow-progress')).toHaveText('Stap 4 van 4');
	const worry = flow.getByTestId('flow-answers').getByRole('button', { name: /Z1/ });
	await expect(worry).toContainText('Noor komt vaak te laat op school');
	await worry.click();
	await expectBigTargets(samira);
	await samira.screenshot({ path: 'docs/screenshots/add-agreement-worry-phone.png' });
	await expect(next).toHaveText('Afspraak maken');
	await next.click();

	// The flow ends on the card, open, with the worry's theme.
	await expect(flow).toBeHidden();
	const card = samira.getByTestId('agreement').first();
	await expect(card.getByRole('heading', { level: 3 })).toBeFocused();
	await expect(card.getByRole('heading', { level: 3 })).toHaveText('1 School');
	await expect(card.getByRole('textbox', { name: 'Wat spreken we af?' })).toContainText('Oma brengt Noor');
	await expect(card.getByRole('button', { name: 'Dennis' })).toHaveAttribute('aria-pressed', 'true');
	await expect(card.getByLabel('Wanneer')).toHaveValue('vanaf maandag');
	await expect(card.getByRole('button', { name: /Z1/ })).toHaveAttribute('aria-pressed', 'true');
	await expect(card.getByTestId('not-concrete')).toHaveCount(0);

	// Els's phone sees the new agreement at once, folded: what, who, when.
	const onEls = els.getByTestId('agreement').first();
	await expect(onEls.getByTestId('open-agreement')).toContainText('Oma brengt Noor elke ochtend naar school');
	await expect(onEls.getByTestId('open-agreement')).toContainText('Dennis, Oma Riet');
	await expect(onEls.getByTestId('open-agreement')).toContainText('vanaf maandag');

	// Els adds one with only its text: who, when and the worry are skipped; it is not concrete yet.
	await els.getByTestId('add-agreement').click();
	await els.getByTestId('add-flow').getByLabel('Wat spreken we af?').fill('We eten op zondag samen');
	await els.getByTestId('choose-theme').getByRole('button', { name: 'Contact', exact: true }).click();
	for (const label of ['Verder', 'Overslaan', 'Overslaan', 'Afspraak maken']) {
		await els.getByTestId('flow-next').filter({ hasText: label }).click();
	}
	await expect(els.getByTestId('agreement').nth(1).getByRole('heading', { level: 3 })).toHaveText('2 Contact');
	const secondOnSamira = samira.getByTestId('agreement').nth(1);
	await expect(secondOnSamira).toContainText('We eten op zondag samen');
	await expect(secondOnSamira.getByTestId('not-concrete')).toBeVisible();

	// With the phone's text at 150% the flow still fits the screen, its buttons in reach.
	await useLargeText(els);
	await els.reload();
	await els.getByTestId('add-agreement').click();
	await els.getByTestId('add-flow').getByLabel('Wat spreken we af?').fill('Oma kookt op vrijdag');
	await expectBigTargets(els);
	await els.screenshot({ path: 'docs/screenshots/add-agreement-large-text-phone.png' });

	for (const watched of [coordinator, first, second]) {
		expect(watched.errors).toEqual([]);
		await watched.page.context().close();
	}
});

/** Every button of the flow is a thumb's size and inside the 360 px screen. */
async function expectBigTargets(page: Page) {
	const boxes = await page
		.getByTestId('add-flow')
		.getByRole('button')
		.evaluateAll((buttons) =>
			buttons.map((b) => ({ text: b.textContent?.trim(), ...b.getBoundingClientRect().toJSON() }))
		);
	for (const box of boxes) {
		expect(box.height, `${box.text} is tall enough for a thumb`).toBeGreaterThanOrEqual(44);
		expect(box.left, `${box.text} starts on the screen`).toBeGreaterThanOrEqual(0);
		expect(box.right, `${box.text} ends on the screen`).toBeLessThanOrEqual(360);
	}
}
