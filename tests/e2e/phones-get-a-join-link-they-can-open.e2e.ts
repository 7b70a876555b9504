import { expect, test } from '@playwright/test';
import jsQR from 'jsqr';
import { machineAddress } from '../../src/lib/server/room-address';
import { createConference, signInCoordinator } from './support/coordinator';

/**
 * The coordinator opens Kring on the laptop itself (localhost). A QR code for localhost would send
 * every phone to itself; the room code's link and QR code name the laptop's address on the room's
 * network instead, as os.networkInterfaces() gives it, with the same port.
 */
test('a coordinator at localhost shows a QR code and links for the machine’s network address', async ({ page }) => {
	await signInCoordinator(page);
	await createConference(page, 'Toekomstplan Lina', 'Waar woont Lina na de zomer?');
	const here = new URL(page.url());
	expect(['127.0.0.1', 'localhost']).toContain(here.hostname);

	const address = machineAddress();
	const link = (await page.getByTestId('join-url').textContent())!.trim();
	if (!address) {
		// A machine without a network: no QR code can help, and the board says so.
		await expect(page.getByTestId('no-network')).toBeVisible();
		return;
	}
	const phones = `http://${address}:${here.port}`;
	expect(link).toMatch(new RegExp(`^${phones.replaceAll('.', '\\.')}/join/[a-z0-9]+$`, 'i'));
	await expect(page.getByTestId('no-network')).toHaveCount(0);

	// What a phone's camera reads from the QR code is that same link.
	const qr = page.getByRole('img', { name: 'QR-code om te scannen' });
	const pixels = await qr.evaluate((img: HTMLImageElement) => {
		const canvas = document.createElement('canvas');
		canvas.width = img.naturalWidth;
		canvas.height = img.naturalHeight;
		const context = canvas.getContext('2d')!;
		context.drawImage(img, 0, 0);
		return {
			width: canvas.width,
			height: canvas.height,
			data: [...context.getImageData(0, 0, canvas.width, canvas.height).data]
		};
	});
	expect(jsQR(Uint8ClampedArray.from(pixels.data), pixels.width, pixels.height)?.data).toBe(link);

	// A family invite link made here opens on a phone too.
	await page.getByRole('button', { name: 'Maak een uitnodigingslink' }).click();
	await expect(page.getByTestId('family-link')).toHaveValue(new RegExp(`^${phones.replaceAll('.', '\\.')}/j/`));
});
