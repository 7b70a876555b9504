import PDFDocument from 'pdfkit';
import { layoutParagraph, type Direction, type Line, type Paragraph, type Piece } from './bidi-lines';
import { fontPicker, loadFaces } from './fonts';

/** A4 in points; the margins leave room for a footer and for a phone's zoom to fit the width. */
const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = { side: 54, top: 54, bottom: 66 };
/** The column of a marker (Z1, V2, a bullet); a wider label takes what it needs. */
export const MARKER_WIDTH = 28;

export type Block = {
	size?: number;
	/** 'auto': the first strong letter decides (the family's own words); else Kring's sentence. */
	direction?: Direction | 'auto';
	/** Room kept free at the start side of the page (the right on an Arabic page). */
	indent?: number;
	color?: string;
	/** Space after the block, in points. */
	after?: number;
	/** A label or bullet in its own column at the start side, level with the first line. */
	marker?: Piece;
	/** An icon (an SVG path on a 24×24 grid) in its colour before the first line: a theme's look. */
	icon?: { path: string; colour: string };
};

/**
 * Writes blocks of text top to bottom over as many pages as it takes. Every line is laid out by
 * `layoutParagraph` and drawn run by run, on the alphabetic baseline, so Latin and Arabic faces
 * of different heights share one line.
 */
export class PdfWriter {
	private readonly doc: PDFKit.PDFDocument;
	private readonly direction: Direction;
	private y = MARGIN.top;
	private textColour = '#1a1a1a';
	private readonly chunks: Buffer[] = [];
	private readonly widths = new Map<string, number>();
	private readonly done: Promise<Buffer>;

	constructor(options: { direction: Direction; lang: string; title: string; subject: string }) {
		this.direction = options.direction;
		this.doc = new PDFDocument({
			size: [PAGE.width, PAGE.height],
			margins: { top: MARGIN.top, bottom: MARGIN.bottom, left: MARGIN.side, right: MARGIN.side },
			bufferPages: true,
			lang: options.lang,
			displayTitle: true,
			info: { Title: options.title, Subject: options.subject, Creator: 'Kring', Producer: 'Kring' }
		});
		for (const face of loadFaces()) this.doc.registerFont(face.key, face.data);
		this.done = new Promise((resolve, reject) => {
			this.doc.on('data', (chunk: Buffer) => this.chunks.push(chunk));
			this.doc.on('end', () => resolve(Buffer.concat(this.chunks)));
			this.doc.on('error', reject);
		});
	}

	private get contentWidth(): number {
		return PAGE.width - 2 * MARGIN.side;
	}

	private layout(pieces: Piece[], size: number, width: number, direction: Direction | 'auto'): Paragraph {
		const fonts = fontPicker((text, font) => this.measure(text, font, size));
		return layoutParagraph(pieces, { width, fonts, direction, fallback: this.direction });
	}

	/** Shaped width; shaping Arabic is not cheap and the same words come back often. */
	private measure(text: string, font: string, size: number): number {
		const key = `${font}\u0000${size}\u0000${text}`;
		let width = this.widths.get(key);
		if (width === undefined) {
			width = this.doc.font(font).fontSize(size).widthOfString(text, { features: [] });
			this.widths.set(key, width);
		}
		return width;
	}

	/** A paragraph; lines that do not fit on this page go on the next. */
	block(pieces: Piece[], options: Block = {}): void {
		this.draw(pieces, options, true);
	}

	private draw(pieces: Piece[], options: Block, paginate: boolean): void {
		const size = options.size ?? 11;
		const lineHeight = size * 1.5;
		let indent = options.indent ?? 0;
		let marker: Line | undefined;
		if (options.marker) {
			marker = this.layout([options.marker], size, this.contentWidth, this.direction).lines[0];
			indent += Math.max(MARKER_WIDTH, (marker?.width ?? 0) + size * 0.6);
		}
		const iconAt = indent;
		if (options.icon) indent += size * 1.6;
		const width = this.contentWidth - indent;
		const paragraph = this.layout(pieces, size, width, options.direction ?? this.direction);
		// Every line starts at the page's start side (the right on an Arabic page); inside a line
		// the family's words keep their own direction.
		const start = (lineWidth: number, at: number) =>
			this.direction === 'ltr' ? MARGIN.side + at : PAGE.width - MARGIN.side - at - lineWidth;
		this.textColour = options.color ?? '#1a1a1a';
		this.doc.fillColor(this.textColour);
		paragraph.lines.forEach((line, i) => {
			if (paginate) this.room(lineHeight);
			const baseline = this.y + size * 1.1;
			if (i === 0 && marker) this.drawLine(marker, start(marker.width, options.indent ?? 0), baseline, size);
			if (i === 0 && options.icon)
				this.drawIcon(options.icon, start(size * 1.2, iconAt), this.y + size * 0.15, size * 1.2);
			this.drawLine(line, start(line.width, indent), baseline, size);
			this.y += lineHeight;
		});
		this.y += options.after ?? size * 0.5;
	}

	private drawIcon(icon: { path: string; colour: string }, x: number, y: number, side: number): void {
		this.doc
			.save()
			.translate(x, y)
			.scale(side / 24)
			.path(icon.path)
			.fill(icon.colour)
			.restore();
		// fill() leaves its colour as the one text is drawn in.
		this.doc.fillColor(this.textColour);
	}

	private drawLine(line: Line, x: number, baseline: number, size: number): void {
		for (const run of line.runs) {
			// features: [] makes pdfkit shape the run whole (it splits at spaces otherwise, and an Arabic
			// run would come out word by word in the wrong order); textWidth spares it measuring again.
			const options: PDFKit.Mixins.TextOptions & { textWidth: number } = {
				lineBreak: false,
				features: [],
				baseline: 'alphabetic',
				textWidth: run.width
			};
			this.doc.font(run.font).fontSize(size).text(run.text, x, baseline, options);
			x += run.width;
		}
	}

	/** Empty space, or a new page when less than `keep` points are left for what follows. */
	space(points: number, keep = 0): void {
		this.y += points;
		this.room(keep);
	}

	rule(): void {
		this.room(8);
		this.doc
			.moveTo(MARGIN.side, this.y + 2)
			.lineTo(PAGE.width - MARGIN.side, this.y + 2)
			.lineWidth(0.5)
			.strokeColor('#b0b0b0')
			.stroke();
		this.y += 10;
	}

	private room(points: number): void {
		if (this.y + points <= PAGE.height - MARGIN.bottom) return;
		this.doc.addPage();
		this.y = MARGIN.top;
	}

	/** Writes `footer(page, pages)` at the foot of every page, then ends the document. */
	async finish(footer: (page: number, pages: number) => Piece[]): Promise<Buffer> {
		const { start, count } = this.doc.bufferedPageRange();
		for (let i = start; i < start + count; i++) {
			this.doc.switchToPage(i);
			this.y = PAGE.height - MARGIN.bottom + 22;
			this.draw(footer(i - start + 1, count), { size: 8, color: '#666666' }, false);
		}
		this.readLigaturesRightToLeft();
		this.doc.end();
		return this.done;
	}

	/**
	 * pdfkit maps a ligature glyph to its characters in logical order (lam, alef). Text extractors
	 * (poppler's pdftotext, pdf.js) take a right-to-left line as drawn and reverse it, characters of
	 * a ligature included, which turns "لا" into "ال". The Arabic faces draw only right-to-left
	 * runs, so their ligatures are mapped in drawing order, and come out of an extractor as written.
	 * This reaches into pdfkit's embedded fonts (pinned version; the PDF test reads the text back).
	 */
	private readLigaturesRightToLeft(): void {
		const families = (this.doc as unknown as { _fontFamilies?: Record<string, { unicode?: number[][] }> })
			._fontFamilies;
		for (const face of loadFaces().filter((face) => face.rightToLeft)) {
			const font = families?.[face.key];
			if (!font?.unicode) continue;
			font.unicode = font.unicode.map((codePoints) =>
				codePoints && codePoints.length > 1 ? [...codePoints].reverse() : codePoints
			);
		}
	}
}
