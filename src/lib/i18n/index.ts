import { getContext, setContext } from 'svelte';
import type { Catalogue, MessageKey, Translate } from './catalogue';
import type { Locale } from './locales';

export { DEFAULT_LOCALE, LOCALES, LOCALE_NAMES, directionOf, isLocale, pickLocale, type Locale } from './locales';
export type { Catalogue, ErrorCode, MessageKey, Params, Translate } from './catalogue';

/**
 * `t` for one language, from that language's catalogue only (the server hands the page just the one
 * it speaks). A counted message takes the form `Intl.PluralRules` picks for `params.count`.
 */
export function translator(locale: Locale, catalogue: Catalogue): Translate {
	const plural = new Intl.PluralRules(locale);
	const translate = (key: MessageKey, params?: Record<string, string | number>): string => {
		const message = catalogue[key];
		let text: string | undefined;
		if (typeof message === 'string') text = message;
		else if (message) {
			const count = Number(params?.count ?? 0);
			text = message[plural.select(count)] ?? message.other;
		}
		if (text === undefined) return key;
		if (!params) return text;
		// One pass, so a name that reads like a placeholder stays as typed.
		return text.replace(/\{(\w+)\}/g, (placeholder, name: string) =>
			Object.hasOwn(params, name) ? isolate(params[name]) : placeholder
		);
	};
	return translate as Translate;
}

const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;

/**
 * Names are isolated (U+2068…U+2069) so a Latin name in an Arabic sentence, or the other way round,
 * cannot reorder the words around it; direction marks typed into a name are dropped, so it cannot
 * close its isolation early and turn the rest of the sentence around.
 */
function isolate(value: string | number): string {
	return typeof value === 'number' ? String(value) : `\u2068${value.replace(BIDI_CONTROLS, '')}\u2069`;
}

const CONTEXT = Symbol('kring.i18n');

export function provideTranslator(locale: Locale, catalogue: Catalogue): Translate {
	const t = translator(locale, catalogue);
	setContext(CONTEXT, { t, locale });
	return t;
}

/** The page's language, provided by the root layout from the catalogue the server sent along. */
export function useI18n(): { t: Translate; locale: Locale } {
	const i18n = getContext<{ t: Translate; locale: Locale } | undefined>(CONTEXT);
	if (!i18n) throw new Error('useI18n() needs the root layout, which provides the language');
	return i18n;
}
