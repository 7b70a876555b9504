import { expect, test } from '@playwright/test';

test.use({ viewport: { width: 360, height: 740 } });

test('a family member on a phone finds the home page in Dutch, with a place for the room code', async ({ page }) => {
	const response = await page.goto('/');
	expect(response?.status()).toBe(200);
	await expect(page.locator('html')).toHaveAttribute('lang', 'nl');
	await expect(page.getByRole('heading', { level: 1 })).toHaveText('Kring');

	const roomCode = page.getByLabel('Kamercode');
	await expect(roomCode).toBeVisible();
	await expect(roomCode).toBeEditable();
	await expect(page.getByRole('button', { name: 'Verder' })).toBeVisible();

	// Nothing sticks out sideways on a small phone.
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	expect(overflow).toBeLessThanOrEqual(0);

	await page.screenshot({ path: 'docs/screenshots/home-360x740.png', fullPage: true });

	// The form reaches the server (same-origin post accepted) and moves on to the join page.
	await roomCode.fill('km7q-2xpa');
	await page.getByRole('button', { name: 'Verder' }).click();
	await expect(page).toHaveURL(/\/join\/KM7Q2XPA$/);
});
