import type { Locale } from './locales';

/**
 * The CLDR plural categories a language uses for whole numbers, which is what
 * `Intl.PluralRules#select` returns for a count: a counted message has exactly these forms.
 */
type PluralCategories = {
	nl: 'one' | 'other';
	en: 'one' | 'other';
	tr: 'one' | 'other';
	pl: 'one' | 'few' | 'many';
	ar: 'zero' | 'one' | 'two' | 'few' | 'many' | 'other';
};
export type PluralCategory<L extends Locale> = PluralCategories[L];
export type PluralForms<L extends Locale> = { readonly [C in PluralCategory<L>]: string };
