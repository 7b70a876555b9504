import { expect, it } from 'vitest';
import { KringClient, signIn } from '../support/client';
import { kringForThisFile } from '../support/kring-for-this-file';

/**
 * Someone sends the coordinator a sign-in link to Kring whose `next` points elsewhere, hoping
 * that Kring itself bounces the coordinator (signed in or signing in) to a look-alike site.
 */
const kring = kringForThisFile();

/** As a browser without JavaScript posts a form. */
const HTML = { accept: 'text/html' };

const HOSTILE = [
	'//evil.example/kring',
	'/.//evil.example',
	'/././/evil.example/login',
	'/x/..//evil.example',
	'/\\evil.example',
	'\\\\evil.example',
	'/\\/evil.example',
	'/%2F%2Fevil.example',
	'/%2f/evil.example',
	'/%5Cevil.example',
	'/%5C%5Cevil.example',
	'/\t/evil.example',
	'/\n/evil.example',
	'/%09/evil.example',
	'javascript:alert(document.cookie)',
	'https://evil.example/kring',
	'http:evil.example',
	'evil.example'
];

/** Where a browser goes with this Location, and what a proxy that decodes the path might make of it. */
function staysOnKring(location: string | null | undefined): boolean {
	if (!location) return false;
	const origin = kring.server.origin;
	const followed = new URL(location, `${origin}/login`);
	if (followed.origin !== origin) return false;
	return !/^\/[/\\\s]/.test(decodeURIComponent(decodeURIComponent(followed.pathname)));
}

it('a signed-in coordinator following a crafted sign-in link stays on Kring', async () => {
	const { client } = kring.coordinator;
	for (const next of HOSTILE) {
		const response = await client.get(`/login?next=${encodeURIComponent(next)}`);
		expect(response.status, `GET /login?next=${JSON.stringify(next)}`).toBe(303);
		const location = response.headers.get('location');
		expect(staysOnKring(location), `GET /login?next=${JSON.stringify(next)} went to ${location}`).toBe(true);
		expect(location).toBe('/staff');
	}
});

it('a coordinator signing in from a crafted link stays on Kring', async () => {
	const { email, password } = kring.coordinator;
	for (const next of HOSTILE) {
		const fresh = new KringClient(kring.server);
		// As a browser without JavaScript posts the form, and as `use:enhance` does.
		const form = await fresh.postForm(`/login?next=${encodeURIComponent(next)}`, { email, password }, HTML);
		expect(form.status, `POST /login?next=${JSON.stringify(next)}`).toBe(303);
		expect(form.headers.get('location'), `POST /login?next=${JSON.stringify(next)}`).toBe('/staff');
		const enhanced = await new KringClient(kring.server).postAction(`/login?next=${encodeURIComponent(next)}`, null, {
			email,
			password
		});
		expect(enhanced.type).toBe('redirect');
		const location = enhanced.type === 'redirect' ? enhanced.location : null;
		expect(staysOnKring(location), `POST /login?next=${JSON.stringify(next)} went to ${location}`).toBe(true);
	}
});

it('the language switch sends nobody off-site either', async () => {
	const visitor = new KringClient(kring.server);
	for (const back of HOSTILE) {
		const response = await visitor.postForm('/lang', { locale: 'en', back }, HTML);
		expect(response.status).toBe(303);
		expect(response.headers.get('location'), `POST /lang back=${JSON.stringify(back)}`).toBe('/');
	}
});

it('a path on Kring itself is still followed, with its query and fragment', async () => {
	const { client, email, password } = kring.coordinator;
	const signedIn = await client.get(`/login?next=${encodeURIComponent('/c/abc?x=1#y')}`);
	expect(signedIn.headers.get('location')).toBe('/c/abc?x=1#y');
	const signingIn = await signIn(kring.server, email, password);
	const again = await signingIn.postForm(
		`/login?next=${encodeURIComponent('/staff?tab=2')}`,
		{ email, password },
		HTML
	);
	expect(again.headers.get('location')).toBe('/staff?tab=2');
	// The staff area sends a signed-out visitor to sign in, and back again afterwards.
	const stranger = new KringClient(kring.server);
	const toLogin = await stranger.get('/staff');
	expect(toLogin.headers.get('location')).toBe('/login?next=%2Fstaff');
	const back = await stranger.postForm(toLogin.headers.get('location')!, { email, password }, HTML);
	expect(back.headers.get('location')).toBe('/staff');
});
