import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { directionOf, pickLocale } from '$lib/i18n';
import { describeErrorWithStack } from '$lib/server/errors';
import { formerConferenceOf, SESSION_COOKIE, setSessionCookie, validateSessionToken } from '$lib/server/sessions';
import { startKring } from '$lib/server/startup';

export const init: ServerInit = async () => {
	await startKring();
};

const authenticate: Handle = async ({ event, resolve }) => {
	const token = event.cookies.get(SESSION_COOKIE) ?? null;
	event.locals.identity = null;
	event.locals.removedFrom = null;
	if (token) {
		const session = await validateSessionToken(token);
		if (session) {
			event.locals.identity = session.identity;
			const shared = session.identity.kind === 'family' && session.identity.sharedDevice;
			setSessionCookie(event, token, session.expiresAt, shared);
		} else {
			// A device sent away keeps its (useless) cookie until it has been told; others lose it now.
			event.locals.removedFrom = await formerConferenceOf(token);
			if (!event.locals.removedFrom) event.cookies.delete(SESSION_COOKIE, { path: '/' });
		}
	}
	return resolve(event);
};

const localize: Handle = async ({ event, resolve }) => {
	const locale = pickLocale(event.cookies.get('kring_lang'), event.request.headers.get('accept-language'));
	event.locals.locale = locale;
	return resolve(event, {
		transformPageChunk: ({ html }) => html.replace('%kring.lang%', locale).replace('%kring.dir%', directionOf(locale))
	});
};

/** Nothing a family wrote may stay in a cache, a proxy, or another site's frame. */
const protect: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	if (!event.url.pathname.startsWith('/_app/immutable/')) response.headers.set('Cache-Control', 'no-store');
	response.headers.set('X-Content-Type-Options', 'nosniff');
	// same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on form posts, which fails the CSRF check.
	response.headers.set('Referrer-Policy', 'same-origin');
	response.headers.set('X-Frame-Options', 'DENY');
	// Pages carry the policy of svelte.config.js (kit.csp), with their nonce; anything else needs nothing.
	if (!response.headers.has('Content-Security-Policy'))
		response.headers.set(
			'Content-Security-Policy',
			"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
		);
	response.headers.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
	return response;
};

export const handle = sequence(protect, authenticate, localize);

/** Errors are logged with their stack, never with request bodies; the user sees a plain message. */
export const handleError: HandleServerError = ({ error, event, status }) => {
	if (status !== 404)
		console.error(
			`[kring] ${event.request.method} ${event.route.id ?? 'unknown route'}:`,
			describeErrorWithStack(error)
		);
	return { message: status === 404 ? 'Not found' : 'Something went wrong' };
};
