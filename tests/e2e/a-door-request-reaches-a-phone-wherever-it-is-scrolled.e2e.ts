import { expect, test, type Page } from '@playwright/test';
import { startKring, type KringServer } from '../support/server';
import {
	boardData,
	changePhase,
	conferenceWithFamily,
	createCoordinator,
	handOver,
	joinAsFamily
} from '../support/steps';

/**
 * Samira reads the plan on her phone, scrolled all the way down, when her uncle knocks at the
 * door and later the coordinator knocks. Both reach her where she is: a bar at the bottom of the
 * screen, a buzz, the tab's title; she answers there, through the same actions and rights as the
 * board's own buttons. A Kring of its own, so that the steps can be taken over HTTP.
 */
let server: KringServer;
test.beforeAll(async () => {
	server = await startKring();
});
test.afterAll(async () => {
	await server?.stop();
});

const atTheBottom = (page: Page) =>
	page.evaluate(() => Math.ceil(scrollY + innerHeight) >= document.documentElement.scrollHeight - 2);

test('a door request and a knock reach a phone scrolled to the bottom and are answered from the bar', async ({
	browser
}) => {
	const coordinator = await createCoordinator(server);
	const { conferenceId, roomCode, family } = await conferenceWithFamily(server, coordinator.client, [
		'Samira',
		'Dennis'
	]);
	const [samira] = family;
	await changePhase(coordinator.client, conferenceId, 'information');
	await handOver(coordinator.client, conferenceId, family);

	const context = await browser.newContext({
		baseURL: server.url,
		viewport: { width: 360, height: 740 },
		isMobile: true,
		hasTouch: true,
		deviceScaleFactor: 2,
		locale: 'nl-NL'
	});
	await context.addCookies([{ name: 'kring_session', value: samira.client.session!, url: server.url }]);
	// Counts the buzzes, whatever the browser would allow.
	await context.addInitScript(() => {
		const buzzes: unknown[] = [];
		Object.defineProperty(window, 'buzzes', { value: buzzes });
		navigator.vibrate = (pattern: VibratePattern | Iterable<number>) => (buzzes.push(pattern), true);
	});
	const page = await context.newPage();
	page.on('pageerror', (error) => console.log(`[page error] ${error.message}`));
	await page.goto(`/c/${conferenceId}`);
	await expect(page.getByTestId('private-banner')).toBeVisible();
	await expect(page.getByTestId('alert-dock')).toHaveCount(0);
	await page.evaluate(() => scrollTo({ top: document.documentElement.scrollHeight, behavior: 'instant' }));
	await expect.poll(() => atTheBottom(page)).toBe(true);

	// Oom Kees joins with the room code: he waits at the door.
	const kees = await joinAsFamily(server, roomCode, 'Oom Kees', { presence: 'remote' });
	expect(kees.status).toBe('waiting');
	const request = page.getByTestId('alert-dock').getByTestId('door-request');
	await expect(request).toContainText('Oom Kees');
	await expect(request).toBeInViewport({ ratio: 1 });
	await expect(page).toHaveTitle(/^\(!\) Iemand wil meedoen · /);
	expect(await page.evaluate(() => (window as unknown as { buzzes: unknown[] }).buzzes.length)).toBe(1);
	// The bar did not move her: the end of the board can still be read above it.
	await page.evaluate(() => scrollTo({ top: document.documentElement.scrollHeight, behavior: 'instant' }));
	await expect.poll(() => atTheBottom(page)).toBe(true);
	const dockTop = await page.getByTestId('alert-dock').evaluate((dock) => dock.getBoundingClientRect().top);
	const lastPart = await page
		.locator('main > *')
		.last()
		.evaluate((part) => part.getBoundingClientRect().bottom);
	expect(lastPart).toBeLessThanOrEqual(dockTop + 1);
	// Nothing sticks out sideways on a 360 px phone (the page would widen and push the bar off the screen).
	expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
	const overflow = await page.getByTestId('alert-dock').evaluate((dock) => {
		const right = dock.getBoundingClientRect().right;
		return [...dock.querySelectorAll('*')].filter((part) => part.getBoundingClientRect().right > right + 0.5).length;
	});
	expect(overflow).toBe(0);
	await page.screenshot({ path: 'docs/screenshots/door-request-bar-phone.png' });

	await request.getByRole('button', { name: 'Binnenlaten', exact: true }).click();
	await expect(page.getByTestId('alert-dock')).toHaveCount(0);
	expect((await boardData(kees.client, conferenceId)).member.status).toBe('active');
	await expect(page).not.toHaveTitle(/\(!\)/);

	// The coordinator knocks: the bar again, and "Nog niet" answers from there.
	expect((await coordinator.client.action(`/c/${conferenceId}`, 'knock')).action).toMatchObject({ type: 'success' });
	const knock = page.getByTestId('alert-dock').getByTestId('knock');
	await expect(knock).toBeInViewport({ ratio: 1 });
	await expect(page).toHaveTitle(/^\(!\) De coördinator klopt aan · /);
	await knock.getByRole('button', { name: 'Nog niet' }).click();
	await expect(page.getByTestId('alert-dock')).toHaveCount(0);
	expect((await boardData(samira.client, conferenceId)).board?.conference.knocked).toBe(false);
});
