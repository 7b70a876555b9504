import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';
import * as fontkit from 'fontkit';
import type { Fonts, Style } from './bidi-lines';

/**
 * The fonts of the plan's PDF: Noto Sans (Latin with Dutch, Turkish and Polish letters, Greek,
 * Cyrillic) and Noto Sans Arabic, regular and bold, as the npm packages of fontsource ship them,
 * cut by Unicode range. They are read from node_modules; nothing is fetched at run time.
 * They ship as WOFF; Kring unpacks them once into plain TrueType (below), because fontkit would
 * inflate their tables again, in JavaScript, for every document pdfkit makes.
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
			const data = sfntFromWoff(readFileSync(require.resolve(`${pkg}/files/${name}`)));
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

/** WOFF 1.0 to the TrueType/OpenType file it wraps: the same tables, inflated (W3C WOFF, §3–5). */
export function sfntFromWoff(woff: Buffer): Buffer {
	if (woff.toString('latin1', 0, 4) !== 'wOFF') throw new Error('not a WOFF file');
	const count = woff.readUInt16BE(12);
	const tables = Array.from({ length: count }, (_, i) => {
		const at = 44 + 20 * i;
		const offset = woff.readUInt32BE(at + 4);
		const packed = woff.readUInt32BE(at + 8);
		const length = woff.readUInt32BE(at + 12);
		const raw = woff.subarray(offset, offset + packed);
		return {
			tag: woff.subarray(at, at + 4),
			checksum: woff.readUInt32BE(at + 16),
			data: packed < length ? inflateSync(raw) : raw
		};
	});
	const power = 2 ** Math.floor(Math.log2(count));
	const header = Buffer.alloc(12 + 16 * count);
	header.writeUInt32BE(woff.readUInt32BE(4), 0);
	header.writeUInt16BE(count, 4);
	header.writeUInt16BE(power * 16, 6);
	header.writeUInt16BE(Math.log2(power), 8);
	header.writeUInt16BE(count * 16 - power * 16, 10);
	const parts: Buffer[] = [header];
	let offset = header.length;
	tables.forEach((table, i) => {
		const record = 12 + 16 * i;
		table.tag.copy(header, record);
		header.writeUInt32BE(table.checksum, record + 4);
		header.writeUInt32BE(offset, record + 8);
		header.writeUInt32BE(table.data.length, record + 12);
		const padded = Buffer.alloc(Math.ceil(table.data.length / 4) * 4);
		table.data.copy(padded);
		parts.push(padded);
		offset += padded.length;
	});
	return Buffer.concat(parts);
}
