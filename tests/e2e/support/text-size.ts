import type { Page } from '@playwright/test';

/** The browser's default text size at 150%: 24 px instead of 16, as a phone's text-size setting sets it. */
export const LARGE_TEXT_PX = 24;

/**
 * Sets the browser's own default font size for this page (Chromium's preference, through the
 * DevTools protocol), as a reader who needs large text does in the settings. Only a page whose
 * sizes follow the default (rem, %) grows with it; a page that fixes its root size in px does not.
 */
export async function useLargeText(page: Page): Promise<void> {
	const cdp = await page.context().newCDPSession(page);
	await cdp.send('Page.setFontSizes', {
		fontSizes: { standard: LARGE_TEXT_PX, fixed: Math.round(LARGE_TEXT_PX * 0.8) }
	});
}

/**
 * What does not fit on this screen, in words: the root's text size, a page that scrolls sideways,
 * anything drawn past the screen's edge, a control whose text overflows it, and two controls on top
 * of each other. Parts kept in place (the sticky header, the bottom dock) may cover what scrolls
 * under them, so they are not compared with the rest.
 */
export async function layoutProblems(page: Page, expectedRootPx: number): Promise<string[]> {
	return page.evaluate((expectedRootPx) => {
		const problems: string[] = [];
		const root = document.documentElement;
		const width = root.clientWidth;
		const rootPx = parseFloat(getComputedStyle(root).fontSize);
		if (Math.abs(rootPx - expectedRootPx) > 0.5) problems.push(`the text is ${rootPx}px, not ${expectedRootPx}px`);
		if (root.scrollWidth > width + 1) problems.push(`the page scrolls sideways: ${root.scrollWidth}px on ${width}px`);

		const describe = (el: Element) => {
			const id = el.id ? `#${el.id}` : '';
			const testId = el.getAttribute('data-testid') ? `[${el.getAttribute('data-testid')}]` : '';
			const text =
				(el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 40) || el.getAttribute('aria-label') || '';
			return `${el.tagName.toLowerCase()}${id}${testId} "${text}"`;
		};
		const shown = (el: Element) => {
			if (el.closest('.visually-hidden, .skip-link, [hidden], [inert]')) return false;
			const rect = el.getBoundingClientRect();
			if (rect.width === 0 || rect.height === 0) return false;
			return el.checkVisibility({ visibilityProperty: true, opacityProperty: true });
		};
		/** Whether `el` or an element around it matches `test`, remembered per element: pages are long. */
		const around = (test: (style: CSSStyleDeclaration) => boolean) => {
			const known = new Map<Element, boolean>();
			const check = (el: Element | null): boolean => {
				if (!el || el === document.body) return false;
				let answer = known.get(el);
				if (answer === undefined) {
					answer = test(getComputedStyle(el)) || check(el.parentElement);
					known.set(el, answer);
				}
				return answer;
			};
			return check;
		};
		/** Inside something that scrolls sideways on purpose: its own edge is not the screen's. */
		const inSideScrollerOrSelf = around((style) => style.overflowX === 'auto' || style.overflowX === 'scroll');
		const inSideScroller = (el: Element) => inSideScrollerOrSelf(el.parentElement);
		const pinned = around((style) => style.position === 'sticky' || style.position === 'fixed');

		for (const el of document.body.querySelectorAll('*')) {
			if (!shown(el) || inSideScroller(el)) continue;
			const ownText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim());
			if (!ownText && !el.matches('button, a[href], input, select, textarea')) continue;
			const rect = el.getBoundingClientRect();
			if (rect.left < -1 || rect.right > width + 1) problems.push(`${describe(el)} goes past the screen's edge`);
		}

		const controls = [
			...document.body.querySelectorAll('button, a[href], input:not([type="hidden"]), select, textarea, summary')
		].filter(shown);
		for (const control of controls) {
			if (control.matches('button, a[href], summary') && control.scrollWidth > control.clientWidth + 1) {
				problems.push(`${describe(control)}: its text is wider than the control`);
			}
		}
		const placed = controls.filter((c) => !pinned(c)).map((c) => ({ el: c, rect: c.getBoundingClientRect() }));
		for (let i = 0; i < placed.length; i++) {
			for (let j = i + 1; j < placed.length; j++) {
				const a = placed[i];
				const b = placed[j];
				if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
				const across = Math.min(a.rect.right, b.rect.right) - Math.max(a.rect.left, b.rect.left);
				const down = Math.min(a.rect.bottom, b.rect.bottom) - Math.max(a.rect.top, b.rect.top);
				if (across > 2 && down > 2) problems.push(`${describe(a.el)} and ${describe(b.el)} overlap`);
			}
		}
		return problems;
	}, expectedRootPx);
}
