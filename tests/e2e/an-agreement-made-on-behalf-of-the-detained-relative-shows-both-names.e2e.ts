import { expect, test } from '@playwright/test';
import { addAgreement, addToCircle, familyInPrivateTime } from './support/family';

/**
 * Dennis is detained and has no phone; on a video visit he tells his sister Samira what he will do.
 * Samira adds him to the family's circle and types the agreement on his behalf: on Els's phone the
 * card says it is Dennis's, by video visit, and that Samira typed it. Dennis can be chosen as "who".
 */
test('an agreement made on behalf of the detained relative shows both names on another phone', async ({ browser }) => {
	test.setTimeout(120_000);
	const { coordinator, first, second } = await familyInPrivateTime(browser, 'Toekomst Dennis', ['Samira', 'Els']);
	const samira = first.page;
	const els = second.page;

	await addToCircle(samira, 'Dennis', 'Via videobezoek');
	await expect(els.getByTestId('circle-video-visit')).toContainText('Dennis');
	await expect(els.getByTestId('circle-room')).toContainText('Samira');

	await addAgreement(samira, 'Ik bel elke zondag met de kinderen.');
	const card = samira.getByTestId('agreement').first();
	await card.getByLabel('Namens wie?').selectOption('Dennis');
	await card.getByRole('button', { name: 'Dennis', exact: true }).click();

	// On Els's phone the card is folded: its summary already says whose it is and who typed it.
	const seen = els.getByTestId('agreement').first();
	const summary = seen.getByTestId('open-agreement');
	await expect(summary).toContainText('Ik bel elke zondag met de kinderen.');
	await expect(summary).toContainText(/Wie:\W+Dennis/);
	await expect(seen.getByTestId('on-behalf')).toContainText(
		/Namens\W+Dennis\W+, via videobezoek\s·\s+ingevoerd door\W+Samira/
	);
	// Opened, it shows both names again and Dennis chosen as "who".
	await summary.click();
	await expect(seen.getByTestId('on-behalf')).toContainText(/Namens\W+Dennis\W+, via videobezoek/);
	await expect(seen.getByTestId('on-behalf')).toContainText(/ingevoerd door\W+Samira/);
	await expect(seen.getByRole('button', { name: 'Dennis', exact: true })).toHaveAttribute('aria-pressed', 'true');

	await els.setViewportSize({ width: 360, height: 740 });
	await els.getByTestId('circle').screenshot({
		path: 'docs/screenshots/circle-phone.png',
		// The sticky header would cover the top of the circle.
		style: 'header { position: static !important; }'
	});

	for (const watched of [coordinator, first, second]) {
		expect(watched.errors).toEqual([]);
		expect(watched.warnings.filter((w) => w.includes('unsupported color format'))).toEqual([]);
		await watched.page.context().close();
	}
});
