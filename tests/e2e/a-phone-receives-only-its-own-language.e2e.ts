import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test, type Browser } from '@playwright/test';
import { LOCALES, type Locale } from '../../src/lib/i18n/locales';
import { ar } from '../../src/lib/i18n/messages/ar';
import { en } from '../../src/lib/i18n/messages/en';
import { nl } from '../../src/lib/i18n/messages/nl';
import { pl } from '../../src/lib/i18n/messages/pl';
import { tr } from '../../src/lib/i18n/messages/tr';

/**
 * A phone on a slow line downloads one language: the page, its data and its scripts hold the
 * sentences of the language it is shown in, and none of the other four.
 */
const CATALOGUES: Record<Locale, Record<string, string | Record<string, string>>> = { nl, en, ar, tr, pl };

const sentencesOf = (locale: Locale) =>
	Object.values(CATALOGUES[locale]).flatMap((message) =>
		typeof message === 'string' ? [message] : Object.values(message)
	);

/**
 * The sentences that give a catalogue away: long enough to be no common word, not also a sentence
 * of the other language, and without characters HTML or JSON would write differently.
 */
function telltales(locale: Locale, shownIn: Locale): string[] {
	const shown = new Set(sentencesOf(shownIn));
	return sentencesOf(locale).filter((text) => text.length >= 12 && !shown.has(text) && !/["'<>&\\]/.test(text));
}

/** Response text as a reader sees it: JavaScript's \u escapes and HTML's entities written out. */
function unescape(body: string): string {
	return body
		.replace(/\\u\{([0-9a-fA-F]+)\}/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
		.replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
		.replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
		.replace(/&quot;/g, '"')
		.replace(/&lt;/g, '<')
		.replace(/&gt;/g, '>')
		.replace(/&amp;/g, '&');
}

type Received = { url: string; type: string; text: string };

/** Opens the home page and, by its link, the sign-in page, as a phone set to `locale`; returns every response. */
async function browseAs(browser: Browser, locale: string, screenshot?: string) {
	const context = await browser.newContext({ locale, viewport: { width: 360, height: 740 } });
	const page = await context.newPage();
	const bodies: Promise<Received | null>[] = [];
	page.on('response', (response) =>
		bodies.push(
			response.text().then(
				(text) => ({ url: response.url(), type: response.request().resourceType(), text: unescape(text) }),
				() => null
			)
		)
	);
	await page.goto('/', { waitUntil: 'networkidle' });
	const html = await page.evaluate(() => `${document.documentElement.lang} ${document.documentElement.dir}`);
	if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
	await page.locator('a[href="/login"]').click();
	await expect(page.locator('input[type="password"]')).toBeVisible();
	await page.waitForLoadState('networkidle');
	await context.close();
	return { received: (await Promise.all(bodies)).filter((body): body is Received => body !== null), html };
}

function foundIn(received: Received[], sentences: string[]): string[] {
	return sentences.filter((sentence) => received.some((body) => body.text.includes(sentence)));
}

for (const { locale, browserLocale, html, screenshot } of [
	{ locale: 'nl', browserLocale: 'nl-NL', html: 'nl ltr', screenshot: undefined },
	{ locale: 'ar', browserLocale: 'ar', html: 'ar rtl', screenshot: 'docs/screenshots/rtl-home.png' }
] as const) {
	test(`a phone in ${locale} gets the ${locale} sentences and none of another language`, async ({ browser }) => {
		const browsing = await browseAs(browser, browserLocale, screenshot);
		expect(browsing.html).toBe(html);
		const scripts = browsing.received.filter((body) => body.type === 'script');
		expect(scripts.length).toBeGreaterThan(0);

		// The page can say what it has not shown yet (a sentence of the error page), so its catalogue came along…
		expect(foundIn(browsing.received, [CATALOGUES[locale]['error.too_large'] as string])).toHaveLength(1);
		// …and a script with Arabic in it would have been seen: the language menu names every language in its own script.
		expect(scripts.some((body) => body.text.includes('العربية') && body.text.includes('Türkçe'))).toBe(true);

		for (const other of LOCALES.filter((l) => l !== locale)) {
			expect(
				foundIn(browsing.received, telltales(other, locale)),
				`${other} sentences sent to a ${locale} phone`
			).toEqual([]);
		}
	});
}

test('a later reload of the page data does not send the catalogue again', async ({ request }) => {
	// What the browser asks when it navigates or reloads a page's data (invalidateAll): every load runs again.
	const response = await request.get('/__data.json', { headers: { 'accept-language': 'nl' } });
	expect(response.status()).toBe(200);
	const text = unescape(await response.text());
	expect(text).toContain('"nl"');
	expect(foundIn([{ url: '/__data.json', type: 'fetch', text }], telltales('nl', 'en'))).toEqual([]);
});

test('no script Kring ships holds a sentence of any catalogue: they come with the page data', async () => {
	const root = 'build/client';
	const files = (await readdir(root, { recursive: true })).filter((file) => file.endsWith('.js'));
	expect(files.length).toBeGreaterThan(0);
	const scripts = await Promise.all(
		files.map(async (file) => ({ url: file, type: 'script', text: unescape(await readFile(join(root, file), 'utf8')) }))
	);
	for (const locale of LOCALES) {
		const sentences = telltales(locale, locale === 'nl' ? 'en' : 'nl');
		expect(sentences.length).toBeGreaterThan(100);
		expect(foundIn(scripts, sentences), `${locale} sentences in the client scripts`).toEqual([]);
	}
});
