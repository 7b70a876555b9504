import { expect, it } from 'vitest';
import { Browser } from '../support/http-client';
import { kringForThisFile } from '../support/server';
import { signIn } from '../support/steps';

/**
 * Someone sends the coordinator a sign-in link to Kring whose `next` points elsewhere, hoping
 * that Kring itself bounces the coordinator (signed in or signing in) to a look-alike site.
 */
const kring = kringForThisFile();

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
		const fresh = new Browser(kring.server);
		// As a browser without JavaScript posts the form, and as `use:enhance` does.
		const form = await fresh.form(`/login?next=${encodeURIComponent(next)}`, { email, password });
		expect(form.status, `POST /login?next=${JSON.stringify(next)}`).toBe(303);
		expect(form.headers.get('location'), `POST /login?next=${JSON.stringify(next)}`).toBe('/staff');
		const enhanced = (
			await new Browser(kring.server).action(`/login?next=${encodeURIComponent(next)}`, 'default', { email, password })
		).action;
		expect(enhanced?.type).toBe('redirect');
		const location = enhanced?.type === 'redirect' ? enhanced.location : null;
		expect(staysOnKring(location), `POST /login?next=${JSON.stringify(next)} went to ${location}`).toBe(true);
	}
});

it('the language switch sends nobody off-site either', async () => {
	const visitor = new Browser(kring.server);
	for (const back of HOSTILE) {
		const response = await visitor.form('/lang', { locale: 'en', back });
		expect(response.status).toBe(303);
		expect(response.headers.get('location'), `POST /lang back=${JSON.stringify(back)}`).toBe('/');
	}
});

it('a path on Kring itself is still followed, with its query and fragment', async () => {
	const { client, email, password } = kring.coordinator;
	const signedIn = await client.get(`/login?next=${encodeURIComponent('/c/abc?x=1#y')}`);
	expect(signedIn.headers.get('location')).toBe('/c/abc?x=1#y');
	const signingIn = await signIn(kring.server, email, password);
	const again = await signingIn.form(`/login?next=${encodeURIComponent('/staff?tab=2')}`, { email, password });
	expect(again.headers.get('location')).toBe('/staff?tab=2');
	// The staff area sends a signed-out visitor to sign in, and back again afterwards.
	const stranger = new Browser(kring.server);
	const toLogin = await stranger.get('/staff');
	expect(toLogin.headers.get('location')).toBe('/login?next=%2Fstaff');
	const back = await stranger.form(toLogin.headers.get('location')!, { email, password });
	expect(back.headers.get('location')).toBe('/staff');
});
