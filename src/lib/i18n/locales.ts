/** Dutch first: Kring is written in Dutch and translated from it. */
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
