import { getContext, setContext } from 'svelte';
import { nl, type MessageKey } from './messages/nl';
import { en } from './messages/en';
import { ar } from './messages/ar';
import { tr } from './messages/tr';
import { pl } from './messages/pl';

/** Dutch first; every other language falls back to Dutch for a sentence it lacks. */
export const LOCALES = ['nl', 'en', 'ar', 'tr', 'pl'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'nl';

export const LOCALE_NAMES: Record<Locale, string> = {
	nl: 'Nederlands',
	en: 'English',
	ar: 'العربية',
	tr: 'Türkçe',
	pl: 'Polski'
};

const RTL: readonly Locale[] = ['ar'];
const CATALOGUES: Record<Locale, Partial<Record<MessageKey, string>>> = { nl, en, ar, tr, pl };

export function isLocale(value: unknown): value is Locale {
	return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export function directionOf(locale: Locale): 'ltr' | 'rtl' {
	return RTL.includes(locale) ? 'rtl' : 'ltr';
}

/** The chosen language (cookie), else the browser's first language Kring speaks, else Dutch. */
export function pickLocale(cookie: string | undefined, acceptLanguage: string | null): Locale {
	if (isLocale(cookie)) return cookie;
	for (const part of (acceptLanguage ?? '').split(',')) {
		const tag = part.split(';')[0].trim().toLowerCase().split('-')[0];
		if (isLocale(tag)) return tag;
	}
	return DEFAULT_LOCALE;
}

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function translator(locale: Locale): Translate {
	const catalogue = CATALOGUES[locale];
	return (key, params) => {
		let text = catalogue[key] ?? nl[key] ?? key;
		// Names are isolated (U+2068…U+2069) so a Latin name in an Arabic sentence, or the other way
		// round, cannot reorder the words around it.
		if (params)
			for (const [name, value] of Object.entries(params))
				text = text.replaceAll(`{${name}}`, typeof value === 'number' ? String(value) : `\u2068${value}\u2069`);
		return text;
	};
}

const CONTEXT = Symbol('kring.i18n');

export function provideTranslator(locale: Locale): Translate {
	const t = translator(locale);
	setContext(CONTEXT, { t, locale });
	return t;
}

export function useI18n(): { t: Translate; locale: Locale } {
	return getContext(CONTEXT) ?? { t: translator(DEFAULT_LOCALE), locale: DEFAULT_LOCALE };
}

export type { MessageKey };
