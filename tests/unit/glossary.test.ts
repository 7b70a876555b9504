import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOCALES } from '../../src/lib/i18n';
import { catalogueOf } from '../../src/lib/i18n/catalogues.server';

/**
 * docs/glossary.md agrees one word per language for each of the method's terms, and lists the
 * synonyms a translator reaches for first. No catalogue may use one of those: a family reads one
 * word for one thing everywhere Kring speaks to it.
 */
const glossary = readFileSync(new URL('../../docs/glossary.md', import.meta.url), 'utf8');
const avoided = glossary
	.slice(glossary.indexOf('## Words not to use'))
	.split('\n')
	.map((line) => line.split('|').map((cell) => cell.trim()))
	.filter((cells) => cells.length === 5 && (LOCALES as readonly string[]).includes(cells[1]))
	.map(([, language, word, instead]) => ({ language, word, instead }));

function texts(value: unknown): string[] {
	if (typeof value === 'string') return [value];
	if (value && typeof value === 'object') return Object.values(value).flatMap(texts);
	return [];
}

describe('the glossary', () => {
	it('lists words to avoid in every language', () => {
		expect(new Set(avoided.map((entry) => entry.language))).toEqual(new Set(LOCALES));
	});

	for (const locale of LOCALES) {
		it(`holds the ${locale} catalogue to its agreed words`, () => {
			const catalogue = catalogueOf(locale) as Record<string, unknown>;
			const misuses = avoided
				.filter((entry) => entry.language === locale)
				.flatMap(({ word, instead }) =>
					Object.entries(catalogue)
						.filter(([, value]) => texts(value).some((text) => text.toLocaleLowerCase(locale).includes(word)))
						.map(([key]) => `${key}: "${word}" (say "${instead}")`)
				);
			expect(misuses).toEqual([]);
		});
	}
});
