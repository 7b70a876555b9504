import { describe, expect, it } from 'vitest';
import { safeRedirectPath } from './redirects';

const SITE = 'https://kring.example.org';

/** Where a browser on Kring ends up when it follows this Location. */
function destination(location: string): URL {
	return new URL(location, `${SITE}/login`);
}

describe('safeRedirectPath', () => {
	const hostile = [
		'//evil.example',
		'//evil.example/c/abc',
		'/.//evil.example',
		'/././/evil.example',
		'/x/..//evil.example',
		'/\\evil.example',
		'\\\\evil.example',
		'/\\/evil.example',
		'/%2F%2Fevil.example',
		'/%2f/evil.example',
		'/%5Cevil.example',
		'/%5c%5cevil.example',
		'/%252F%252Fevil.example',
		'/\t/evil.example',
		'/\n/evil.example',
		'/\r\n/evil.example',
		'/%09/evil.example',
		' //evil.example',
		'javascript:alert(1)',
		'JaVaScRiPt:alert(1)',
		'data:text/html,<script>alert(1)</script>',
		'https://evil.example/kring',
		'http:evil.example',
		'HTTPS://evil.example',
		'evil.example',
		'c/abc',
		'/%'
	];

	for (const next of hostile) {
		it(`refuses ${JSON.stringify(next)}`, () => {
			expect(safeRedirectPath(next, '/staff')).toBe('/staff');
		});
	}

	it('never returns a target that leaves the site, whatever it is given', () => {
		const parts = ['/', '\\', '.', '..', '%2F', '%5C', '%2e', '\t', '\n', ' ', 'evil.example', ':', '@', '?', '#', 'c'];
		let checked = 0;
		for (const a of parts)
			for (const b of parts)
				for (const c of parts) {
					const target = safeRedirectPath(`/${a}${b}${c}evil.example`, '/staff');
					expect(destination(target).origin, target).toBe(SITE);
					checked++;
				}
		expect(checked).toBe(parts.length ** 3);
	});

	it('keeps a path on the site with its query and fragment', () => {
		expect(safeRedirectPath('/c/abc?x=1#y', '/staff')).toBe('/c/abc?x=1#y');
		expect(safeRedirectPath('/invite/abc123', '/staff')).toBe('/invite/abc123');
		expect(safeRedirectPath('/', '/staff')).toBe('/');
		expect(safeRedirectPath('/c/abc/../def', '/staff')).toBe('/c/def');
		expect(safeRedirectPath('/c/a%20b', '/staff')).toBe('/c/a%20b');
		expect(safeRedirectPath('/staff?next=//evil.example', '/')).toBe('/staff?next=//evil.example');
		// Only a path that happens to spell a scheme: the browser stays on Kring.
		expect(safeRedirectPath('/javascript:alert(1)', '/staff')).toBe('/javascript:alert(1)');
	});

	it('falls back when there is no target', () => {
		expect(safeRedirectPath(null, '/staff')).toBe('/staff');
		expect(safeRedirectPath(undefined, '/')).toBe('/');
		expect(safeRedirectPath('', '/staff')).toBe('/staff');
		expect(safeRedirectPath('/' + 'a'.repeat(3000), '/staff')).toBe('/staff');
	});
});
