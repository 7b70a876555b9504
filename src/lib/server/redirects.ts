const HERE = 'http://kring.invalid';

/**
 * The one check for a redirect target that came from a request (`next`, `back`): a path on this
 * site, or the fallback. Browsers read `\` as `/`, drop tabs and newlines, and resolve `/.//host`
 * to `//host`, which leaves the site; a proxy may decode `%2F` and `%5C` into the same. So the
 * target is refused when it holds a backslash or a control character, and is resolved as a
 * browser would, then must still start with exactly one slash, also once percent-decoded.
 */
export function safeRedirectPath(next: string | null | undefined, fallback: string): string {
	if (!next || next.length > 2000 || !next.startsWith('/')) return fallback;
	// Control characters are exactly what this guard looks for: a browser drops some of them from a URL.
	// eslint-disable-next-line no-control-regex
	if (/[\\\u0000-\u0020\u007f]/.test(next)) return fallback;
	let url: URL;
	try {
		url = new URL(next, HERE);
	} catch {
		return fallback;
	}
	if (url.origin !== HERE) return fallback;
	const path = url.pathname + url.search + url.hash;
	if (leavesTheSite(url.pathname)) return fallback;
	let decoded = url.pathname;
	for (let round = 0; round < 3; round++) {
		try {
			decoded = decodeURIComponent(decoded);
		} catch {
			return fallback;
		}
		if (leavesTheSite(decoded)) return fallback;
	}
	return path;
}

function leavesTheSite(path: string): boolean {
	// eslint-disable-next-line no-control-regex -- control characters are what it looks for
	return !/^\/(?![\\/\u0000-\u0020\u007f])/.test(path);
}
