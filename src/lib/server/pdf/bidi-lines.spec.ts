import { describe, expect, it } from 'vitest';
import { firstStrongDirection, layoutParagraph, type Fonts, type Paragraph } from './bidi-lines';

// Every character is one point wide; Arabic letters are in the "ar" face, everything else in "la",
// and a space stays in the face of the letter before it (as the real faces both have a space).
const fonts: Fonts = {
	pick: (codePoint, style, previous) => {
		if (codePoint >= 0x600 && codePoint <= 0x6ff) return 'ar';
		if (codePoint === 0x20 && previous) return previous;
		return style === 'bold' ? 'la-bold' : 'la';
	},
	measure: (text) => [...text].length
};
const layout = (pieces: { text: string; style?: 'bold' }[], direction: 'ltr' | 'rtl' | 'auto', width = 200) =>
	layoutParagraph(pieces, { width, fonts, direction, fallback: 'rtl' });
const drawn = (paragraph: Paragraph) => paragraph.lines.map((line) => line.runs.map((run) => run.text));

const DUTCH = 'Johan woont bij zijn vader.';
const FSI = '\u2068';
const PDI = '\u2069';

describe('one paragraph, ordered for drawing left to right', () => {
	it('hands an Arabic sentence to the font engine whole and in logical order, which shapes and reverses it', () => {
		const paragraph = layout([{ text: 'مرحبا بالعالم' }], 'rtl');
		expect(paragraph.direction).toBe('rtl');
		expect(paragraph.lines).toEqual([{ runs: [{ text: 'مرحبا بالعالم', font: 'ar', width: 13 }], width: 13 }]);
	});

	it('keeps the full stop of a Dutch sentence on its right on an Arabic page', () => {
		// The family's own words take the direction of their first letter.
		expect(drawn(layout([{ text: DUTCH }], 'auto'))).toEqual([[DUTCH]]);
		expect(layout([{ text: DUTCH }], 'auto').direction).toBe('ltr');
		// After an Arabic label, isolated: the sentence sits left of the label, its stop still on its right.
		expect(drawn(layout([{ text: 'ماذا: ', style: 'bold' }, { text: FSI + DUTCH + PDI }], 'rtl'))).toEqual([
			[DUTCH, ' :', 'ماذا']
		]);
		// Read as Arabic without the isolate, the stop would jump to the far left: what the isolate prevents.
		expect(drawn(layout([{ text: DUTCH }], 'rtl'))).toEqual([['.', DUTCH.slice(0, -1)]]);
	});

	it('draws brackets around Arabic words as their mirror images', () => {
		// Logical "(" comes after أب and is drawn right of جد as ")"; the space before it stays
		// with أب (an Arabic run, reversed by the font engine), the one after ")" with the bracket.
		expect(drawn(layout([{ text: 'أب (جد) هو' }], 'rtl'))).toEqual([['هو', ' (', 'جد', ')', 'أب ']]);
	});

	it('keeps a Latin name inside an Arabic sentence readable and in its place', () => {
		expect(drawn(layout([{ text: 'وافق عليها: ' + FSI + 'Oom Herman' + PDI + '، اليوم' }], 'rtl'))).toEqual([
			// The Arabic comma is in the Arabic face: one run with اليوم, reversed by the font engine.
			['، اليوم', 'Oom Herman', ' :', 'وافق عليها']
		]);
	});

	it('breaks lines at spaces in reading order: an Arabic paragraph starts on the right of its first line', () => {
		const paragraph = layout([{ text: 'أب جد هوز حطي كلمن' }], 'rtl', 7);
		expect(drawn(paragraph)).toEqual([['أب جد'], ['هوز حطي'], ['كلمن']]);
		expect(drawn(layout([{ text: 'een twee drie vier' }], 'ltr', 9))).toEqual([['een twee'], ['drie vier']]);
	});

	it('cuts a word wider than the line between its characters', () => {
		expect(drawn(layout([{ text: 'ab 0123456789abcdef' }], 'ltr', 8))).toEqual([['ab'], ['01234567'], ['89abcdef']]);
	});

	it('changes font within a line where the style changes, and draws no bidi control', () => {
		const paragraph = layout([{ text: 'Wie: ', style: 'bold' }, { text: FSI + 'Vader' + PDI }], 'ltr');
		expect(paragraph.lines[0].runs.map((run) => [run.font, run.text])).toEqual([
			['la-bold', 'Wie: '],
			['la', 'Vader']
		]);
		expect(paragraph.lines[0].width).toBe(10);
	});

	it('draws a line feed or tab inside a paragraph as a space, each style staying on its own characters', () => {
		const paragraph = layout([{ text: 'Wie:\r\n', style: 'bold' }, { text: 'Opa\tOma' }], 'ltr');
		expect(paragraph.lines[0].runs.map((run) => [run.font, run.text])).toEqual([
			['la-bold', 'Wie:  '],
			['la', 'Opa Oma']
		]);
	});

	it('takes the direction of the first strong letter outside isolates, else the page’s', () => {
		expect(firstStrongDirection('12 مارس')).toBe('rtl');
		expect(firstStrongDirection(FSI + 'Vader' + PDI + ' من')).toBe('rtl');
		expect(firstStrongDirection('3-7')).toBeNull();
		expect(layout([{ text: '3-7' }], 'auto').direction).toBe('rtl');
		expect(layout([{ text: '  ' }], 'auto').lines).toEqual([]);
	});
});
