import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as fontkit from 'fontkit';
import type { Fonts, Style } from './bidi-lines';

/**
 * The fonts of the plan's PDF: Noto Sans (Latin with Dutch, Turkish and Polish letters, Greek,
 * Cyrillic) and Noto Sans Arabic, regular and bold, as the npm packages of fontsource ship them,
 * cut by Unicode range. They are read from node_modules; nothing is fetched at run time.
 * WOFF (zlib), not WOFF2: fontkit reads both, and subsets the plain glyf tables for pdfkit.
 */
type Face = { key: string; style: Style; data: Buffer; codePoints: Set<number>; rightToLeft: boolean };

const WEIGHTS: Record<Style, number> = { regular: 400, bold: 700 };
/** In order of preference: a character goes to the first face that has it. */
const SUBSETS: { pkg: string; file: (weight: number) => string; rightToLeft?: boolean }[] = [
	{ pkg: '@fontsource/noto-sans', file: (w) => `noto-sans-latin-${w}-normal.woff` },
	{ pkg: '@fontsource/noto-sans', file: (w) => `noto-sans-latin-ext-${w}-normal.woff` },
	{
		pkg: '@fontsource/ibm-plex-sans-arabic',
		file: (w) => `ibm-plex-sans-arabic-arabic-${w}-normal.woff`,
		rightToLeft: true
	},
	{ pkg: '@fontsource/noto-sans', file: (w) => `noto-sans-greek-${w}-normal.woff` },
	{ pkg: '@fontsource/noto-sans', file: (w) => `noto-sans-cyrillic-${w}-normal.woff` }
];

let faces: Face[] | null = null;

export function loadFaces(): Face[] {
	if (faces) return faces;
	const require = createRequire(import.meta.url);
	faces = (Object.keys(WEIGHTS) as Style[]).flatMap((style) =>
		SUBSETS.map(({ pkg, file, rightToLeft = false }) => {
			const name = file(WEIGHTS[style]);
			const data = readFileSync(require.resolve(`${pkg}/files/${name}`));
			const font = fontkit.create(data);
			if (!('characterSet' in font)) throw new Error(`${name} is a font collection`);
			return { key: name.replace(/\.woff$/, ''), style, data, codePoints: new Set(font.characterSet), rightToLeft };
		})
	);
	return faces;
}

/** Picks faces by coverage; `measure` is the caller's (it knows the size and the document). */
export function fontPicker(measure: Fonts['measure']): Fonts {
	const all = loadFaces();
	const byKey = new Map(all.map((face) => [face.key, face]));
	return {
		pick(codePoint, style, previous) {
			const before = previous ? byKey.get(previous) : undefined;
			if (before && before.style === style && before.codePoints.has(codePoint)) return before.key;
			const candidates = all.filter((face) => face.style === style);
			return (candidates.find((face) => face.codePoints.has(codePoint)) ?? candidates[0]).key;
		},
		measure
	};
}
