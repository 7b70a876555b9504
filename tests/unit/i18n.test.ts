import { describe, expect, it } from 'vitest';
import { DEFAULT_LOCALE, LOCALES, directionOf, pickLocale, translator, type MessageKey } from '../../src/lib/i18n';
import { nl } from '../../src/lib/i18n/messages/nl';
import { en } from '../../src/lib/i18n/messages/en';
import { ar } from '../../src/lib/i18n/messages/ar';
import { tr } from '../../src/lib/i18n/messages/tr';
import { pl } from '../../src/lib/i18n/messages/pl';

const TRANSLATIONS = { en, ar, tr, pl } as const;
const DUTCH_KEYS = Object.keys(nl) as MessageKey[];

function placeholdersOf(text: string): string[] {
	return [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
}

describe('every language a family can pick speaks every sentence the Dutch does', () => {
	it('offers a catalogue for every locale but Dutch', () => {
		expect(Object.keys(TRANSLATIONS).sort()).toEqual(LOCALES.filter((locale) => locale !== 'nl').sort());
	});

	for (const [locale, catalogue] of Object.entries(TRANSLATIONS)) {
		describe(locale, () => {
			it('has a translation for every Dutch key', () => {
				const missing = DUTCH_KEYS.filter((key) => !catalogue[key]?.trim());
				expect(missing, `${locale} lacks: ${missing.join(', ')}`).toEqual([]);
			});

			it('has no keys the Dutch does not know', () => {
				const unknown = Object.keys(catalogue).filter((key) => !(key in nl));
				expect(unknown, `${locale} has unknown keys: ${unknown.join(', ')}`).toEqual([]);
			});

			it('keeps exactly the placeholders of the Dutch sentence', () => {
				const wrong = DUTCH_KEYS.filter((key) => catalogue[key] !== undefined)
					.map((key) => ({ key, dutch: placeholdersOf(nl[key]), translated: placeholdersOf(catalogue[key]!) }))
					.filter(({ dutch, translated }) => dutch.join() !== translated.join());
				expect(wrong).toEqual([]);
			});

			it('calls the app Kring', () => {
				expect(catalogue['app.name']).toBe('Kring');
			});
		});
	}
});

describe('pickLocale', () => {
	it('follows the language the person chose (cookie) over the browser', () => {
		expect(pickLocale('ar', 'tr-TR,tr;q=0.9,nl;q=0.8')).toBe('ar');
	});

	it('ignores a cookie Kring does not speak and falls back to the browser', () => {
		expect(pickLocale('fr', 'pl-PL,pl;q=0.9')).toBe('pl');
	});

	it('takes the first browser language Kring speaks', () => {
		expect(pickLocale(undefined, 'fr-FR,fr;q=0.9,en-GB;q=0.8,nl;q=0.7')).toBe('en');
		expect(pickLocale(undefined, 'TR')).toBe('tr');
	});

	it('speaks Dutch when nothing else fits', () => {
		expect(pickLocale(undefined, null)).toBe(DEFAULT_LOCALE);
		expect(pickLocale(undefined, 'fr-FR,de;q=0.5')).toBe('nl');
		expect(pickLocale(undefined, '')).toBe('nl');
	});
});

describe('directionOf', () => {
	it('writes Arabic right to left and the rest left to right', () => {
		expect(directionOf('ar')).toBe('rtl');
		for (const locale of LOCALES.filter((l) => l !== 'ar')) expect(directionOf(locale)).toBe('ltr');
	});
});

describe('translator', () => {
	it('fills in placeholders and falls back to Dutch for a missing sentence', () => {
		// A name is isolated, so it keeps its own direction inside a sentence of another script.
		expect(translator('en')('join.title', { title: 'Familie Jansen' })).toBe('Join: \u2068Familie Jansen\u2069');
		expect(translator('ar')('door.text', { name: 'Wim', presence: 'x' })).toContain('\u2068Wim\u2069');
		expect(translator('nl')('plan.covered_by', { count: 3 })).toBe('3 afspraken');
	});
});
