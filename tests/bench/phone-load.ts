/**
 * How long a family phone on a poor connection waits for a usable board (`npm run phone-load`;
 * a figure to read, not a test). A production build of Kring on loopback, Debian's Chromium at
 * 360 px throttled through the DevTools protocol as a slow phone on a busy Wi-Fi: 1.6 Mbps down,
 * 750 kbps up, 150 ms latency, the CPU four times slower. "Usable": the board is drawn, its
 * script has started and the plan is live (the connection says "Verbonden") so a tap on
 * "+ Afspraak toevoegen" works. Printed: the first visit (empty cache) and a later one (the
 * immutable files from the cache), each the median of a few runs, with the bytes that crossed
 * the network.
 */
import { chromium } from '@playwright/test';
import { startKring } from '../support/server';
import { conferenceWithFamily, createCoordinator } from '../support/steps';

const RUNS = Number(process.env.PHONE_LOAD_RUNS ?? 3);
const PHONE = {
	latency: 150,
	downloadThroughput: (1.6 * 1024 * 1024) / 8,
	uploadThroughput: (750 * 1024) / 8,
	cpuSlowdown: 4
};

const server = await startKring();
const browser = await chromium.launch({
	executablePath: process.env.KRING_CHROMIUM ?? '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic']
});
try {
	const coordinator = await createCoordinator(server);
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Oma Riet']);
	const cold: { ms: number; bytes: number }[] = [];
	const warm: { ms: number; bytes: number }[] = [];
	for (let run = 0; run < RUNS; run++) {
		const context = await browser.newContext({
			viewport: { width: 360, height: 740 },
			isMobile: true,
			hasTouch: true,
			locale: 'nl-NL'
		});
		await context.addCookies([{ name: 'kring_session', value: family[0].client.session!, url: server.url }]);
		const page = await context.newPage();
		const cdp = await context.newCDPSession(page);
		await cdp.send('Network.enable');
		await cdp.send('Network.emulateNetworkConditions', {
			offline: false,
			latency: PHONE.latency,
			downloadThroughput: PHONE.downloadThroughput,
			uploadThroughput: PHONE.uploadThroughput
		});
		await cdp.send('Emulation.setCPUThrottlingRate', { rate: PHONE.cpuSlowdown });
		let bytes = 0;
		cdp.on('Network.loadingFinished', (event) => (bytes += event.encodedDataLength));
		for (const into of [cold, warm]) {
			bytes = 0;
			const started = performance.now();
			await page.goto(`${server.url}/c/${conferenceId}`);
			await page.getByTestId('link-state').filter({ hasText: 'Verbonden' }).waitFor({ timeout: 60_000 });
			await page.getByTestId('add-agreement').waitFor({ timeout: 60_000 });
			into.push({ ms: performance.now() - started, bytes });
		}
		await context.close();
	}
	const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
	const line = (name: string, runs: { ms: number; bytes: number }[]) =>
		`${name.padEnd(28)} ${(median(runs.map((r) => r.ms)) / 1000).toFixed(2)} s   ${Math.round(median(runs.map((r) => r.bytes)) / 1024)} KiB`;
	console.log(
		`\nA family phone opens the board (1.6 Mbps down, 750 kbps up, 150 ms, CPU 4x slower; median of ${RUNS}):`
	);
	console.log(line('first visit (empty cache)', cold));
	console.log(line('next visit (cached files)', warm));
} finally {
	await browser.close();
	await server.stop();
}
