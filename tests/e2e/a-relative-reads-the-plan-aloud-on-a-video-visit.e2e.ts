import { expect, test } from '@playwright/test';
import { addAgreement, familyInPrivateTime } from './support/family';
import { spyOnSpeech } from './support/speech';

const SPOKEN = (page: import('@playwright/test').Page) =>
	page.evaluate(() => (window as unknown as { spoken: { text: string; lang: string }[] }).spoken);

/**
 * Samira shows the plan to her brother Dennis on a supervised prison video visit: one agreement at
 * a time, large, read aloud in the language he chooses, under a notice that prison staff see and
 * may record it. The coordinator cannot open that view.
 */
test('a relative reads an agreement aloud in the chosen language, under a notice that staff see it', async ({
	browser
}) => {
	test.setTimeout(120_000);
	const { coordinator, first, second } = await familyInPrivateTime(
		browser,
		'Videobezoek Dennis',
		['Samira', 'Els'],
		spyOnSpeech
	);
	const samira = first.page;
	await addAgreement(samira, 'Ik bel elke zondag met de kinderen.');
	const card = samira.getByTestId('agreement').first();
	await card.getByLabel('Taal van de vertaling').selectOption('ar');
	await card.getByTestId('add-translation').click();
	await card.getByLabel(/Vertaling: \W?Arabisch/).fill('سأتصل بالأطفال كل يوم أحد.');

	const relay = await samira.context().newPage();
	await relay.setViewportSize({ width: 360, height: 740 });
	await relay.goto(`${samira.url()}/relay`);
	await expect(relay.getByTestId('relay-notice')).toContainText('personeel van de gevangenis');
	await expect(relay.getByTestId('relay-notice')).toContainText('niet privé');
	await expect(relay.getByTestId('relay-text')).toHaveText('Ik bel elke zondag met de kinderen.');
	await relay.getByTestId('relay-read').click();
	await expect.poll(() => SPOKEN(relay)).toEqual([{ text: 'Ik bel elke zondag met de kinderen.', lang: 'nl' }]);

	await relay.getByLabel('Voorlezen in').selectOption('ar');
	await expect(relay.getByTestId('relay-text')).toHaveText('سأتصل بالأطفال كل يوم أحد.');
	await relay.getByTestId('relay-read').click();
	await expect
		.poll(async () => (await SPOKEN(relay)).at(-1))
		.toEqual({ text: 'سأتصل بالأطفال كل يوم أحد.', lang: 'ar' });
	await relay.screenshot({ path: 'docs/screenshots/relay-video-visit-phone.png', fullPage: true });

	// The relay view is the family's: the coordinator gets nothing of it, in private time or after.
	const staffTry = await coordinator.page.goto(`${samira.url()}/relay`);
	expect(staffTry?.status()).toBe(404);
	expect(await coordinator.page.content()).not.toContain('elke zondag');

	for (const watched of [coordinator, first, second]) {
		expect(watched.errors).toEqual([]);
		await watched.page.context().close();
	}
});
