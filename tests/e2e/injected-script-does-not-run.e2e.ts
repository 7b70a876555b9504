import { expect, test, type Browser, type Page } from '@playwright/test';
import { createConference, joinWithRoomCode, signInCoordinator } from './support/coordinator';

/**
 * Someone types markup where Kring shows text: a conference title, a display name, a concern.
 * It must show as text and never run. And should some page one day let markup through (the plan
 * is rendered with {@html} in places), the Content-Security-Policy still keeps a script that was
 * not Kring's own from running.
 */
const HOSTILE_TITLE =
	'Familie <script>window.__pwned="title"</script><img src=x onerror="window.__pwned=\'title-img\'">';
const HOSTILE_NAME = '<img src=x onerror=__pwned="name"><script>__pwned=1</script>';
const HOSTILE_CONCERN = '<svg onload="window.__pwned=\'concern\'"></svg><script>window.__pwned="concern"</script>';

type Violation = { directive: string; sample: string };

/** A page that records every CSP violation from its very first script on, and every uncaught error. */
async function open(browser: Browser, options: object, errors: string[]): Promise<Page> {
	const context = await browser.newContext({ ...options, locale: 'nl-NL' });
	await context.addInitScript(() => {
		const seen: { directive: string; sample: string }[] = [];
		(window as unknown as { __violations: typeof seen }).__violations = seen;
		document.addEventListener('securitypolicyviolation', (event) =>
			seen.push({ directive: event.effectiveDirective, sample: event.sample })
		);
	});
	const page = await context.newPage();
	page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
	return page;
}

const pwned = (page: Page) => page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned ?? null);
const violations = (page: Page) =>
	page.evaluate(() => (window as unknown as { __violations: Violation[] }).__violations);

test('markup typed into Kring shows as text, and a script slipped into a page is refused by the policy', async ({
	browser
}) => {
	test.setTimeout(120_000);
	const errors: string[] = [];
	const coordinator = await open(browser, { viewport: { width: 1280, height: 860 } }, errors);
	const phone = await open(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true }, errors);

	await signInCoordinator(coordinator);
	const roomCode = await createConference(coordinator, HOSTILE_TITLE, 'Wat heeft de familie nodig?');
	await joinWithRoomCode(phone, roomCode, HOSTILE_NAME);
	await expect(phone.getByTestId('phase')).toContainText('Voorbereiding');
	await expect(phone.getByRole('heading', { name: HOSTILE_TITLE, exact: true })).toBeVisible();

	// Every page is served with a policy that allows Kring's own scripts only.
	const response = await phone.reload();
	const policy = response?.headers()['content-security-policy'] ?? '';
	const scriptSrc = /(?:^|;)\s*script-src ([^;]*)/.exec(policy)?.[1] ?? '';
	expect(scriptSrc).toMatch(/'self'/);
	expect(scriptSrc).toMatch(/'nonce-[A-Za-z0-9+/=]+'/);
	expect(scriptSrc).not.toContain('unsafe-inline');
	expect(policy).toContain("frame-ancestors 'none'");
	expect(policy).toContain("default-src 'self'");

	// Information: the coordinator's concern reaches the phone live, over the collab socket.
	await coordinator.getByTestId('to-information').click();
	await coordinator.getByTestId('add-concern').click();
	await coordinator.getByRole('textbox', { name: 'Zorg 1' }).fill(HOSTILE_CONCERN);
	await expect(phone.getByTestId('phase')).toContainText('Informatie');
	await phone.getByRole('tab', { name: 'Vraag en zorgen' }).click();
	await expect(phone.getByRole('textbox', { name: 'Zorg 1' })).toHaveValue(HOSTILE_CONCERN);
	await expect(phone.getByRole('heading', { name: HOSTILE_TITLE, exact: true })).toBeVisible();
	await expect(coordinator.getByText(HOSTILE_NAME).first()).toBeVisible();

	// Nothing ran, and Kring itself (hydration, styles, the socket) needed nothing the policy refuses.
	for (const page of [coordinator, phone]) {
		expect(await pwned(page)).toBeNull();
		expect(await violations(page)).toEqual([]);
	}

	// As if an escaping bug let markup into the page: an inline handler and an inline script.
	await phone.evaluate(() => {
		document.body.insertAdjacentHTML('beforeend', '<img src="/no-such-image.png" onerror="window.__pwned=\'img\'">');
		const script = document.createElement('script');
		script.textContent = 'window.__pwned = "script"';
		document.body.append(script);
	});
	await expect
		.poll(async () => (await violations(phone)).map((v) => v.directive).sort())
		.toEqual(['script-src-attr', 'script-src-elem']);
	expect(await pwned(phone)).toBeNull();
	expect(errors).toEqual([]);
});
