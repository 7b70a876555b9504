import bidiFactory from 'bidi-js';

/**
 * Breaks one paragraph into lines and orders each line for drawing left to right, by the Unicode
 * bidirectional algorithm (bidi-js): an Arabic sentence runs from the right, a Dutch name inside it
 * stays readable, and a Dutch sentence on an Arabic page keeps its full stop on its right.
 * Shaping is the font engine's: a right-to-left run is handed over in logical order, and fontkit
 * (pdfkit's layout engine) joins the Arabic letters and reverses the run itself.
 */

const bidi = bidiFactory();

export type Direction = 'ltr' | 'rtl';
export type Style = 'regular' | 'bold';

/** A piece of a paragraph in one style; a paragraph is one or more pieces. */
export type Piece = { text: string; style?: Style };

export interface Fonts {
	/** The font that draws this character: the previous character's, if that font has it. */
	pick(codePoint: number, style: Style, previous: string | null): string;
	/** Width of text in this font at the paragraph's size, as the font engine shapes it. */
	measure(text: string, font: string): number;
}

/**
 * One piece of a line, in one font and one direction, ready for the font engine: `text` is in the
 * order to hand it over (logical for an Arabic run, which the engine reverses; already reversed
 * for punctuation alone in a right-to-left run).
 */
export type Run = { text: string; font: string; width: number };
export type Line = { runs: Run[]; width: number };
export type Paragraph = { lines: Line[]; direction: Direction };

/** Bidi controls steer the order and are never drawn. */
const CONTROL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const SPACE = / /;

/** The direction of the first strong letter outside isolates (UAX #9, P2–P3), or null. */
export function firstStrongDirection(text: string): Direction | null {
	let isolates = 0;
	for (const char of text) {
		if (char >= '\u2066' && char <= '\u2068') isolates++;
		else if (char === '\u2069') isolates = Math.max(0, isolates - 1);
		if (isolates > 0) continue;
		const type = bidi.getBidiCharTypeName(char);
		if (type === 'L') return 'ltr';
		if (type === 'R' || type === 'AL') return 'rtl';
	}
	return null;
}

function isRightToLeftLetter(char: string): boolean {
	const type = bidi.getBidiCharTypeName(char);
	return type === 'R' || type === 'AL';
}

/**
 * Lays out one paragraph (no line feeds) in `width`. `direction` 'auto' takes the first strong
 * letter's direction (the family's own text), else `fallback` (the page's).
 */
export function layoutParagraph(
	pieces: Piece[],
	options: { width: number; fonts: Fonts; direction: Direction | 'auto'; fallback: Direction }
): Paragraph {
	// One character for one: the styles below are counted per character.
	const text = pieces.map((piece) => piece.text.replace(/[\r\n\t]/g, ' ')).join('');
	const styles: Style[] = [];
	for (const piece of pieces) for (let i = 0; i < piece.text.length; i++) styles.push(piece.style ?? 'regular');
	const direction = options.direction === 'auto' ? (firstStrongDirection(text) ?? options.fallback) : options.direction;
	if (text.trim() === '') return { lines: [], direction };

	const fontOf = assignFonts(text, styles, options.fonts);
	const width = (from: number, to: number) => measureLogical(text, fontOf, from, to, options.fonts);
	const levels = bidi.getEmbeddingLevels(text, direction);
	const lines = breakLines(text, options.width, width).map(([from, to]) =>
		orderLine(text, fontOf, levels, from, to, options.fonts)
	);
	return { lines: lines.filter((line) => line.runs.length > 0), direction };
}

function assignFonts(text: string, styles: Style[], fonts: Fonts): string[] {
	const fontOf: string[] = new Array(text.length);
	let previous: string | null = null;
	for (let i = 0; i < text.length; ) {
		const codePoint = text.codePointAt(i)!;
		const units = codePoint > 0xffff ? 2 : 1;
		const font: string = CONTROL.test(text[i]) && previous ? previous : fonts.pick(codePoint, styles[i], previous);
		for (let unit = 0; unit < units; unit++) fontOf[i + unit] = font;
		previous = font;
		i += units;
	}
	return fontOf;
}

/** Width of text[from, to) in logical order, font by font; controls take no room. */
function measureLogical(text: string, fontOf: string[], from: number, to: number, fonts: Fonts): number {
	let total = 0;
	let start = from;
	let segment = '';
	for (let i = from; i <= to; i++) {
		if (i === to || fontOf[i] !== fontOf[start]) {
			if (segment) total += fonts.measure(segment, fontOf[start]);
			start = i;
			segment = '';
		}
		if (i < to && !CONTROL.test(text[i])) segment += text[i];
	}
	return total;
}

/**
 * Greedy line breaking at spaces, in logical order; a word wider than the line is cut between
 * characters. Returns [from, to) ranges without their trailing spaces. Widths are summed word by
 * word: Arabic letters do not join across a space, so a word's shape does not depend on the next.
 */
function breakLines(text: string, maxWidth: number, width: (from: number, to: number) => number): [number, number][] {
	const lines: [number, number][] = [];
	let lineFrom = -1;
	let lineEnd = -1;
	let lineWidth = 0;
	let spaceBefore = 0;
	for (let i = 0; i < text.length; ) {
		const from = i;
		while (i < text.length && !SPACE.test(text[i])) i++;
		const end = i;
		while (i < text.length && SPACE.test(text[i])) i++;
		const wordWidth = width(from, end);
		if (lineFrom >= 0 && lineWidth + spaceBefore + wordWidth <= maxWidth) {
			lineEnd = end;
			lineWidth += spaceBefore + wordWidth;
		} else {
			if (lineFrom >= 0) lines.push([lineFrom, lineEnd]);
			lineFrom = from;
			lineEnd = end;
			lineWidth = wordWidth;
			// A word longer than the line (a long name, a fingerprint) is cut where it must be.
			while (lineWidth > maxWidth) {
				let cut = nextBoundary(text, lineFrom);
				while (cut < lineEnd && width(lineFrom, nextBoundary(text, cut)) <= maxWidth) cut = nextBoundary(text, cut);
				lines.push([lineFrom, cut]);
				lineFrom = cut;
				lineWidth = width(lineFrom, lineEnd);
			}
		}
		spaceBefore = width(end, i);
	}
	if (lineFrom >= 0 && lineEnd > lineFrom) lines.push([lineFrom, lineEnd]);
	return lines;
}

/** The index after the character that starts at `i` (a surrogate pair stays whole). */
function nextBoundary(text: string, i: number): number {
	const codePoint = text.codePointAt(i);
	return i + (codePoint !== undefined && codePoint > 0xffff ? 2 : 1);
}

function orderLine(
	text: string,
	fontOf: string[],
	levels: ReturnType<typeof bidi.getEmbeddingLevels>,
	from: number,
	to: number,
	fonts: Fonts
): Line {
	// The whole text's indices come back, with only this line's stretch reordered.
	const visual = bidi
		.getReorderedIndices(text, levels, from, to - 1)
		.slice(from, to)
		.filter((i) => !CONTROL.test(text[i]));
	const visible = (i: number, step: 1 | -1) => {
		let next = i + step;
		while (next >= from && next < to && CONTROL.test(text[next])) next += step;
		return next;
	};
	// Consecutive characters in one font, at one level, following each other in the text.
	const groups: number[][] = [];
	for (const i of visual) {
		const group = groups.at(-1);
		const last = group?.at(-1);
		const step = levels.levels[i] % 2 === 1 ? -1 : 1;
		if (
			group &&
			last !== undefined &&
			fontOf[last] === fontOf[i] &&
			levels.levels[last] === levels.levels[i] &&
			visible(last, step) === i
		)
			group.push(i);
		else groups.push([i]);
	}
	const runs = groups.map((group): Run => {
		const font = fontOf[group[0]];
		const rightToLeft = levels.levels[group[0]] % 2 === 1;
		const logical = [...group]
			.sort((a, b) => a - b)
			// A bracket in a right-to-left run is drawn as its mirror image. (bidi-js's
			// getMirroredCharactersMap reads the levels wrongly in 1.1.0, so this asks per character.)
			.map((i) => (rightToLeft ? bidi.getMirroredCharacter(text[i]) : null) ?? text[i])
			.join('');
		// The font engine reverses a run with Arabic letters itself; punctuation alone it would not.
		const handOver = rightToLeft && ![...logical].some(isRightToLeftLetter) ? [...logical].reverse().join('') : logical;
		return { text: handOver, font, width: fonts.measure(handOver, font) };
	});
	return { runs, width: runs.reduce((sum, run) => sum + run.width, 0) };
}
