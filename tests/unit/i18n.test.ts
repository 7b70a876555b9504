import { describe, expect, it } from 'vitest';
import {
	DEFAULT_LOCALE,
	LOCALES,
	directionOf,
	pickLocale,
	translator,
	type Locale,
	type MessageKey
} from '../../src/lib/i18n';
import type { Misfits } from '../../src/lib/i18n/catalogue';
import { catalogueOf } from '../../src/lib/i18n/catalogues.server';
import { nl } from '../../src/lib/i18n/messages/nl';
import { en } from '../../src/lib/i18n/messages/en';
import { ar } from '../../src/lib/i18n/messages/ar';
import { tr } from '../../src/lib/i18n/messages/tr';
import { pl } from '../../src/lib/i18n/messages/pl';
import { KringError } from '../../src/lib/server/errors';
import { themeOf } from '../../src/lib/plan/shape';

const TRANSLATIONS = { en, ar, tr, pl } as const;
const DUTCH_KEYS = Object.keys(nl) as MessageKey[];
type Message = string | Readonly<Record<string, string>>;

function placeholdersOf(text: string): string[] {
	return [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
}

/** A message's placeholders; a counted one takes `count` even where a form says the number in words. */
function placeholdersOfMessage(message: Message): string[] {
	if (typeof message === 'string') return placeholdersOf(message);
	return [...new Set(['count', ...Object.values(message).flatMap(placeholdersOf)])].sort();
}

function t(locale: Locale) {
	return translator(locale, catalogueOf(locale));
}

describe('every language a family can pick speaks every sentence the Dutch does', () => {
	it('offers a catalogue for every locale but Dutch', () => {
		expect(Object.keys(TRANSLATIONS).sort()).toEqual(LOCALES.filter((locale) => locale !== 'nl').sort());
	});

	for (const [locale, catalogue] of Object.entries(TRANSLATIONS) as [Locale, Record<MessageKey, Message>][]) {
		describe(locale, () => {
			it('has a translation for every Dutch key', () => {
				const missing = DUTCH_KEYS.filter((key) => {
					const message = catalogue[key];
					if (typeof message === 'string') return !message.trim();
					return !message || Object.values(message).some((form) => !form.trim());
				});
				expect(missing, `${locale} lacks: ${missing.join(', ')}`).toEqual([]);
			});

			it('has no keys the Dutch does not know', () => {
				const unknown = Object.keys(catalogue).filter((key) => !(key in nl));
				expect(unknown, `${locale} has unknown keys: ${unknown.join(', ')}`).toEqual([]);
			});

			it('keeps exactly the placeholders of the Dutch sentence', () => {
				const wrong = DUTCH_KEYS.map((key) => ({
					key,
					dutch: placeholdersOfMessage(nl[key]),
					translated: placeholdersOfMessage(catalogue[key])
				})).filter(({ dutch, translated }) => dutch.join() !== translated.join());
				expect(wrong).toEqual([]);
			});

			it('counts in the same sentences as the Dutch, with the number in every form but zero, one and two', () => {
				for (const key of DUTCH_KEYS) {
					const message = catalogue[key];
					expect(typeof message, key).toBe(typeof nl[key]);
					if (typeof message === 'string') continue;
					const others = placeholdersOfMessage(nl[key]).filter((name) => name !== 'count');
					for (const [category, form] of Object.entries(message)) {
						const inWords = ['zero', 'one', 'two'].includes(category);
						const found = placeholdersOf(form).filter((name) => !inWords || name !== 'count');
						expect(found, `${key}.${category}`).toEqual(inWords ? others : [...others, 'count'].sort());
					}
				}
			});

			it('calls the app Kring', () => {
				expect(catalogue['app.name']).toBe('Kring');
			});
		});
	}

	it('has a form for every plural category a whole number falls in, in every language', () => {
		for (const locale of LOCALES) {
			const rules = new Intl.PluralRules(locale);
			const catalogue = catalogueOf(locale);
			for (const key of DUTCH_KEYS) {
				const message = catalogue[key];
				if (typeof message === 'string') continue;
				const categories = new Set(Array.from({ length: 1001 }, (_, count) => rules.select(count)));
				expect(Object.keys(message).sort(), `${locale} ${key}`).toEqual([...categories].sort());
			}
		}
	});
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
	it('fills in placeholders, isolating names so they keep their own direction in a sentence of another script', () => {
		expect(t('en')('join.title', { title: 'Familie Jansen' })).toBe('Join: \u2068Familie Jansen\u2069');
		expect(t('ar')('door.text', { name: 'Wim', presence: 'x' })).toBe(
			'\u2068Wim\u2069 (\u2068x\u2069) يريد الانضمام. هل تسمحون بدخوله؟'
		);
		expect(t('nl')('accepted.title', { version: 2 })).toBe('Plan aanvaard — versie 2');
	});

	it('keeps a name as typed, even one that reads like a placeholder or carries direction marks', () => {
		expect(t('en')('door.text', { name: '{presence}', presence: 'remote' })).toBe(
			'\u2068{presence}\u2069 (\u2068remote\u2069) wants to join. Let them in?'
		);
		// A right-to-left override after a closed isolation would turn "Let them in?" around.
		expect(t('en')('door.same_name', { name: 'Wim\u2069\u202e' })).toBe(
			'Careful: someone called \u2068Wim\u2069 is already in. Is this really someone else?'
		);
	});

	it('picks the Dutch, English and Turkish form for one and for the rest', () => {
		expect([1, 3].map((count) => t('nl')('plan.covered_by', { count }))).toEqual(['1 afspraak', '3 afspraken']);
		expect([0, 1, 2].map((count) => t('nl')('private.connected', { count }))).toEqual([
			'0 familieleden verbonden',
			'1 familielid verbonden',
			'2 familieleden verbonden'
		]);
		expect([1, 5].map((count) => t('en')('private.connected', { count }))).toEqual([
			'1 family member connected',
			'5 family members connected'
		]);
		expect(t('tr')('plan.covered_by', { count: 4 })).toBe('4 anlaşma');
	});

	const COUNTS = [0, 1, 2, 3, 5, 11, 22, 100];

	it('picks the Polish form: one for 1, few for 2–4 and 22–24, many for 0, 5–21 and 100', () => {
		expect(COUNTS.map((count) => t('pl')('private.connected', { count }))).toEqual([
			'0 osób z rodziny jest połączonych',
			'1 osoba z rodziny jest połączona',
			'2 osoby z rodziny są połączone',
			'3 osoby z rodziny są połączone',
			'5 osób z rodziny jest połączonych',
			'11 osób z rodziny jest połączonych',
			'22 osoby z rodziny są połączone',
			'100 osób z rodziny jest połączonych'
		]);
		expect(COUNTS.map((count) => t('pl')('plan.covered_by', { count }))).toEqual([
			'0 ustaleń',
			'1 ustalenie',
			'2 ustalenia',
			'3 ustalenia',
			'5 ustaleń',
			'11 ustaleń',
			'22 ustalenia',
			'100 ustaleń'
		]);
	});

	it('picks the Arabic form: zero, one and two in words, few for 3–10, many for 11–99, other for 100', () => {
		expect(COUNTS.map((count) => t('ar')('private.connected', { count }))).toEqual([
			'لا أحد من العائلة متصل',
			'فرد واحد من العائلة متصل',
			'فردان من العائلة متصلان',
			'3 أفراد من العائلة متصلون',
			'5 أفراد من العائلة متصلون',
			'11 فردًا من العائلة متصلون',
			'22 فردًا من العائلة متصلون',
			'100 فرد من العائلة متصلون'
		]);
		expect(COUNTS.map((count) => t('ar')('plan.covered_by', { count }))).toEqual([
			'لا يوجد اتفاق',
			'اتفاق واحد',
			'اتفاقان',
			'3 اتفاقات',
			'5 اتفاقات',
			'11 اتفاقًا',
			'22 اتفاقًا',
			'100 اتفاق'
		]);
	});
});

describe('the compiler holds every call to its message', () => {
	it('demands exactly the placeholders of the Dutch message', () => {
		const translate = t('nl');
		// Each line below fails `npm run check` unless it is marked as an expected error.
		// @ts-expect-error -- door.text also needs {presence}
		translate('door.text', { name: 'Wim' });
		// @ts-expect-error -- door.text has no {title}
		translate('door.text', { name: 'Wim', presence: 'x', title: 'y' });
		// @ts-expect-error -- join.title has a placeholder, so it needs parameters
		translate('join.title');
		// @ts-expect-error -- leave has no placeholders
		translate('leave', { name: 'Wim' });
		// @ts-expect-error -- the count picks the plural form, so it is a number
		translate('private.connected', { count: '3' });
		// @ts-expect-error -- a key the Dutch catalogue does not have
		translate('door.txt');
		const phase = 'private' as 'private' | 'presentation';
		expect(translate(`phase.${phase}`)).toBe('Besloten gedeelte');
		expect(translate('door.text', { name: 'Wim', presence: 'x' })).toContain('Wim');
	});

	it('knows a translation with other placeholders than the Dutch, naming its key', () => {
		type WithDoorText<Text extends string> = Omit<typeof en, 'door.text'> & { readonly 'door.text': Text };
		type PluralConnected<Forms> = Omit<typeof ar, 'private.connected'> & { readonly 'private.connected': Forms };
		type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
		const verdicts: [
			Equal<Misfits<typeof en>, never>,
			Equal<Misfits<WithDoorText<'{name} wants to join'>>, 'door.text'>,
			Equal<Misfits<WithDoorText<'{name} ({presence}) wants {who}'>>, 'door.text'>,
			Equal<Misfits<PluralConnected<{ two: 'two'; few: 'a few'; other: '{count}' }>>, 'private.connected'>,
			Equal<
				Misfits<PluralConnected<{ two: 'two'; few: '{count} few'; other: '{count} of {name}' }>>,
				'private.connected'
			>,
			Equal<Misfits<PluralConnected<{ two: 'two'; few: '{count} few'; other: '{count}' }>>, never>
		] = [true, true, true, true, true, true];
		expect(verdicts.every(Boolean)).toBe(true);
	});

	it('names a theme read from the live plan by a key it knows: one Kring does not know reads as Other', () => {
		expect(t('en')(`theme.${themeOf('housing')}`)).toBe('Housing');
		expect(t('en')(`theme.${themeOf('<script>')}`)).toBe(t('en')('theme.other'));
		expect(t('en')(`theme.${themeOf(undefined)}`)).toBe(t('en')('theme.other'));
	});

	it('accepts only error codes that have a message', () => {
		expect(new KringError('use_accept').code).toBe('use_accept');
		// @ts-expect-error -- there is no error.no_such_code message
		expect(new KringError('no_such_code').code).toBe('no_such_code');
		for (const locale of LOCALES) expect(t(locale)('error.use_accept')).not.toBe('error.use_accept');
	});
});
