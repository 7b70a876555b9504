/**
 * How long a family phone on a poor connection waits for a usable board (`npm run phone-load`;
 * a figure to read, not a test). A production build of Kring on loopback, Debian's Chromium at
 * 360 px throttled through the DevTools protocol as a slow phone on a busy Wi-Fi: 1.6 Mbps down,
 * 750 kbps up, 150 ms latency, the CPU four times slower. "Usable": the board is drawn, its
 * script has started and the plan is live (the connection says "Verbonden") so a tap on
 * "+ Afspraak toevoegen" works. Printed: the first visit (empty cache) and a later one (the
 * immutable files from the cache), each the median of a few runs, with the bytes that crossed
 * the network, and the compressed JavaScript of the first visit (the board's budget: 150 KB).
 *
 * Then what a keystroke costs on that phone: a family member types in one open card of a board
 * with 30 agreements, the CPU four times slower; the same on a board with one agreement is the
 * reference in the same run. Per keystroke: the time from the key to the frame after it, and how
 * many changes the page made to the DOM outside the card typed in (0: the other cards stay as
 * they are).
 */
import { loadavg } from 'node:os';
import { chromium, type Browser as Chromium } from '@playwright/test';
import { addAgreement } from '../support/edits';
import { startKring, type KringServer } from '../support/server';
import { changePhase, conferenceWithFamily, createCoordinator, handOver, type Staff } from '../support/steps';
import { includesState, openDoc, waitUntil } from '../support/yjs-client';

const RUNS = Number(process.env.PHONE_LOAD_RUNS ?? 3);
const KEYSTROKES = 40;
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
	type Visit = { ms: number; bytes: number; scriptBytes: number };
	const cold: Visit[] = [];
	const warm: Visit[] = [];
	for (let run = 0; run < RUNS; run++) {
		const { context, page } = await familyPhone(browser, server, family[0].client.session!);
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
		let scriptBytes = 0;
		const scripts = new Set<string>();
		cdp.on('Network.responseReceived', (event) => {
			if (event.type === 'Script') scripts.add(event.requestId);
		});
		cdp.on('Network.loadingFinished', (event) => {
			bytes += event.encodedDataLength;
			if (scripts.has(event.requestId)) scriptBytes += event.encodedDataLength;
		});
		for (const into of [cold, warm]) {
			bytes = 0;
			scriptBytes = 0;
			const started = performance.now();
			await page.goto(`${server.url}/c/${conferenceId}`);
			await page.getByTestId('link-state').filter({ hasText: 'Verbonden' }).waitFor({ timeout: 60_000 });
			await page.getByTestId('add-agreement').waitFor({ timeout: 60_000 });
			into.push({ ms: performance.now() - started, bytes, scriptBytes });
		}
		await context.close();
	}
	const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
	const line = (name: string, runs: Visit[]) =>
		`${name.padEnd(28)} ${(median(runs.map((r) => r.ms)) / 1000).toFixed(2)} s   ${Math.round(median(runs.map((r) => r.bytes)) / 1024)} KiB`;
	console.log(
		`\nA family phone opens the board (1.6 Mbps down, 750 kbps up, 150 ms, CPU 4x slower; median of ${RUNS}):`
	);
	console.log(line('first visit (empty cache)', cold));
	console.log(line('next visit (cached files)', warm));
	console.log(
		`${'JavaScript, first visit'.padEnd(28)} ${(median(cold.map((r) => r.scriptBytes)) / 1000).toFixed(1)} KB compressed (budget 150 KB)`
	);

	const typing = [
		await typingOnBoard(browser, server, coordinator, 1),
		await typingOnBoard(browser, server, coordinator, 30)
	];
	console.log(
		`\nTyping in one open card, CPU 4x slower (${KEYSTROKES} keys; time from the key to the frame after it):`
	);
	for (const board of typing) {
		console.log(
			`${`board with ${board.cards} agreement${board.cards === 1 ? '' : 's'}`.padEnd(28)} median ${board.median.toFixed(1)} ms   p95 ${board.p95.toFixed(1)} ms   script ${board.script.toFixed(1)} ms   style+layout ${board.layout.toFixed(1)} ms   DOM changes outside the card: ${board.outside.toFixed(1)} a key`
		);
	}
	console.log(
		`load average ${loadavg()
			.map((l) => l.toFixed(2))
			.join(' ')}`
	);
} finally {
	await browser.close();
	await server.stop();
}

/** A 360 px phone in Dutch, signed in as a family member. */
async function familyPhone(browser: Chromium, server: KringServer, session: string) {
	const context = await browser.newContext({
		viewport: { width: 360, height: 740 },
		isMobile: true,
		hasTouch: true,
		locale: 'nl-NL'
	});
	await context.addCookies([{ name: 'kring_session', value: session, url: server.url }]);
	return { context, page: await context.newPage() };
}

/**
 * A board with `cards` agreements on a 360 px phone, the CPU four times slower; the family member
 * opens the middle card and types in it, a key at a time.
 */
async function typingOnBoard(browser: Chromium, server: KringServer, coordinator: Staff, cards: number) {
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Oma Riet']);
	await changePhase(coordinator.client, conferenceId, 'information');
	await handOver(coordinator.client, conferenceId, family);
	const writer = openDoc(family[0].client, conferenceId, 'plan');
	await writer.synced;
	for (let n = 1; n <= cards; n++) {
		addAgreement(writer.doc, `Oma haalt Noor op woensdag op van school (${n})`, {
			who: ['Oma'],
			when: 'elke woensdag'
		});
	}
	await waitUntil(async () => {
		const reader = openDoc(family[0].client, conferenceId, 'plan');
		try {
			await reader.synced;
			return includesState(reader.doc, writer.doc);
		} finally {
			reader.destroy();
		}
	}, 'the server to hold the plan');
	writer.destroy();

	const { context, page } = await familyPhone(browser, server, family[0].client.session!);
	await page.goto(`${server.url}/c/${conferenceId}`);
	await page.getByTestId('link-state').filter({ hasText: 'Verbonden' }).waitFor({ timeout: 60_000 });
	const agreements = page.getByTestId('agreement');
	await agreements.nth(cards - 1).waitFor();
	const card = agreements.nth(Math.floor((cards - 1) / 2));
	await card.getByTestId('open-agreement').click();
	const editor = card.locator('.ProseMirror');
	await editor.click();
	await page.keyboard.press('End');
	const cdp = await context.newCDPSession(page);
	await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
	await cdp.send('Performance.enable');
	const metrics = async () => {
		const { metrics } = await cdp.send('Performance.getMetrics');
		return Object.fromEntries(metrics.map((metric) => [metric.name, metric.value]));
	};
	await card.evaluate((typedIn) => {
		const board = window as unknown as { keyTimes: number[]; outside: number };
		board.keyTimes = [];
		board.outside = 0;
		new MutationObserver((records) => {
			for (const record of records) if (!typedIn.contains(record.target)) board.outside++;
		}).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
		document.addEventListener(
			'keydown',
			() => {
				const started = performance.now();
				// The frame after the key: its handlers, Svelte's updates, layout and paint.
				requestAnimationFrame(() => setTimeout(() => board.keyTimes.push(performance.now() - started)));
			},
			true
		);
	});
	const before = await metrics();
	await page.keyboard.type(' en brengt haar terug'.padEnd(KEYSTROKES, '.').slice(0, KEYSTROKES), { delay: 250 });
	await page.waitForFunction(
		(count) => (window as unknown as { keyTimes: number[] }).keyTimes.length >= count,
		KEYSTROKES
	);
	const { keyTimes, outside } = await page.evaluate(() => {
		const board = window as unknown as { keyTimes: number[]; outside: number };
		return { keyTimes: board.keyTimes, outside: board.outside };
	});
	const after = await metrics();
	// Seconds of the page's main thread, per key: its scripts, and style and layout together.
	const perKey = (...names: string[]) =>
		(names.reduce((sum, name) => sum + (after[name] - before[name]), 0) * 1000) / KEYSTROKES;
	await context.close();
	const sorted = [...keyTimes].sort((a, b) => a - b);
	return {
		cards,
		median: sorted[Math.floor(sorted.length / 2)],
		p95: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))],
		outside: outside / KEYSTROKES,
		script: perKey('ScriptDuration'),
		layout: perKey('RecalcStyleDuration', 'LayoutDuration')
	};
}
