import { expect, it } from 'vitest';
import { Browser } from '../support/http-client';
import { kringForThisFile } from '../support/server';

/**
 * A phone on the room's busy Wi-Fi downloads the board's code once, compressed: the files under
 * /_app/immutable/ (their names change with their content) come as brotli or gzip, made at build
 * time, and may be kept for a year; pages and everything else are never kept (no-store).
 */
const kring = kringForThisFile();

it('serves the immutable files brotli- or gzip-compressed with a year of caching, and pages uncached', async () => {
	const phone = new Browser(kring.server, 'phone');
	const home = await phone.request('/', { headers: { 'accept-encoding': 'br, gzip' } });
	expect(home.status).toBe(200);
	expect(home.headers.get('cache-control')).toBe('no-store');
	const scripts = [...home.text.matchAll(/\/_app\/immutable\/[^"']+\.js/g)].map((match) => match[0]);
	expect(scripts.length).toBeGreaterThan(0);

	for (const [encoding, expected] of [
		['br, gzip', 'br'],
		['gzip', 'gzip']
	]) {
		const asset = await phone.request(scripts[0], { headers: { 'accept-encoding': encoding } });
		expect(asset.status).toBe(200);
		expect(asset.headers.get('content-encoding')).toBe(expected);
		expect(asset.headers.get('cache-control')).toBe('public,max-age=31536000,immutable');
	}
	// A phone that asks for neither gets the plain file.
	const plain = await phone.request(scripts[0], { headers: { 'accept-encoding': 'identity' } });
	expect(plain.headers.get('content-encoding')).toBeNull();
});
