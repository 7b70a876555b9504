import { expect, test } from '@playwright/test';
import { readPlan } from '../../src/lib/plan/shape';
import { addCard } from './support/plan';
import { startKring, type KringServer } from '../support/server';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { conferenceWithFamily, createCoordinator, joinByLink } from '../support/steps';
import { liveDocs, waitUntil } from '../support/yjs-client';

/**
 * Oma Riet's phone loses the room's Wi-Fi in a way nobody hears: the connection is not closed, it
 * only goes silent (a TCP proxy that stops forwarding; `setOffline` would not close an open
 * WebSocket in Chromium either). Her board notices within ten seconds, says in plain words that
 * her changes stay on the phone, and sends them once the connection is back.
 * A Kring of its own without ORIGIN, so that pages opened through the proxy are its own origin.
 */
let server: KringServer;
let proxy: TcpProxy;
const docs = liveDocs();
test.beforeAll(async () => {
	server = await startKring({ env: { ORIGIN: undefined } });
	proxy = await startTcpProxy(server.port);
});
test.afterAll(async () => {
	docs.closeAll();
	await proxy?.close();
	await server?.stop();
});

test('a silent connection is reported within ten seconds, and what was typed meanwhile arrives afterwards', async ({
	browser
}) => {
	const coordinator = await createCoordinator(server);
	const { conferenceId, familyLink, family } = await conferenceWithFamily(server, coordinator.client, [
		'Oma Riet',
		'Jamal'
	]);
	const [oma, jamal] = family;
	// Dennis joins from the prison's visit room, on a tablet that is not his: nothing is kept on it.
	const dennis = await joinByLink(server, familyLink, 'Dennis', { presence: 'video-visit', sharedDevice: true });
	const pageErrors: string[] = [];
	const openBoard = async (session: string) => {
		const context = await browser.newContext({
			baseURL: proxy.url,
			viewport: { width: 360, height: 740 },
			isMobile: true,
			hasTouch: true,
			locale: 'nl-NL'
		});
		await context.addCookies([{ name: 'kring_session', value: session, url: proxy.url }]);
		const page = await context.newPage();
		page.on('pageerror', (error) => pageErrors.push(error.message));
		await page.goto(`/c/${conferenceId}`);
		// A second after the board is live it fetches the editor's code in the background: wait for that.
		const scripts = () =>
			page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.js')).length);
		const drawn = await scripts();
		await page.getByRole('tab', { name: 'Ons plan' }).click();
		await expect(page.getByTestId('link-state')).toHaveText('Verbonden');
		await expect.poll(scripts).toBeGreaterThan(drawn);
		// The editor comes in several files: wait until no more arrive, or the cut may fall between them.
		let seen = -1;
		await expect
			.poll(
				async () => {
					const now = await scripts();
					const settled = now === seen;
					seen = now;
					return settled;
				},
				{ intervals: [1500] }
			)
			.toBe(true);
		return page;
	};
	const page = await openBoard(oma.client.session!);
	const tablet = await openBoard(dennis.client.session!);

	proxy.stall();
	const cut = Date.now();
	const notice = page.getByTestId('connection-lost');
	await expect(notice).toBeVisible({ timeout: 10_000 });
	console.log(`[dead connection] reported after ${((Date.now() - cut) / 1000).toFixed(1)} s`);
	await expect(notice).toHaveText(
		'Geen verbinding met Kring. Wat je verandert blijft op dit apparaat bewaard en wordt verstuurd zodra de verbinding terug is.'
	);
	await expect(notice).toBeInViewport();

	// Oma goes on writing meanwhile.
	await addCard(page, 'Jamal haalt de kinderen op', { theme: 'Contact' });
	await page.screenshot({ path: 'docs/screenshots/connection-lost-phone.png' });

	// On the borrowed tablet nothing is kept: it says so, and leaving the page asks first.
	await expect(tablet.getByTestId('connection-lost')).toHaveText(
		'Geen verbinding met Kring. Wat je nu verandert staat alleen op dit scherm en wordt verstuurd zodra de verbinding terug is. Sluit of ververs deze pagina niet.'
	);
	const asked = tablet.waitForEvent('dialog');
	await tablet.evaluate(() => setTimeout(() => location.reload()));
	const dialog = await asked;
	expect(dialog.type()).toBe('beforeunload');
	await dialog.dismiss();
	await expect(tablet.getByTestId('connection-lost')).toBeVisible();

	// The Wi-Fi is back: the board connects again by itself and sends what Oma wrote.
	proxy.heal();
	await expect(notice).toBeHidden({ timeout: 30_000 });
	await expect(page.getByTestId('link-state')).toHaveText('Verbonden');
	const jamalsPlan = docs.open(jamal.client, conferenceId, 'plan');
	await waitUntil(
		() =>
			readPlan(jamalsPlan.doc).agreements.some(
				(agreement) => agreement.text.includes('Jamal haalt de kinderen op') && agreement.theme === 'contact'
			),
		'Jamal sees what Oma wrote while her connection was gone'
	);
	expect(pageErrors).toEqual([]);
});
