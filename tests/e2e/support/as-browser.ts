import type { BrowserContext } from '@playwright/test';
import type { Browser as HttpBrowser, ServerAddress } from '../../support/http-client';
import { signIn } from '../../support/steps';
import { COORDINATOR } from './coordinator';

/** The end-to-end server as the http steps (tests/support/steps.ts) address it. */
export function serverAt(baseURL: string | undefined): ServerAddress {
	if (!baseURL) throw new Error('no baseURL in the Playwright config');
	return { url: baseURL, origin: baseURL };
}

/** The coordinator's account (made by signInCoordinator first), signed in for the http steps. */
export function coordinatorOver(server: ServerAddress): Promise<HttpBrowser> {
	return signIn(server, COORDINATOR.email, COORDINATOR.password);
}

/** A Chromium context that carries the session of someone the http steps signed in or let join. */
export async function sessionOf(context: BrowserContext, who: HttpBrowser): Promise<void> {
	if (!who.session) throw new Error(`${who.label} has no session to hand over`);
	await context.addCookies([{ name: 'kring_session', value: who.session, url: who.server.url }]);
}
