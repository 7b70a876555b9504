import PDFDocument from 'pdfkit';
import { layoutParagraph, type Direction, type Paragraph, type Piece } from './bidi-lines';
import { fontPicker, loadFaces } from './fonts';

/** A4 in points; the margins leave room for a footer and for a phone's zoom to fit the width. */
const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = { side: 54, top: 54, bottom: 66 };

export type Block = {
	size?: number;
	/** 'auto': the first strong letter decides (the family's own words); else Kring's sentence. */
	direction?: Direction | 'auto';
	/** Room kept free at the start side of the page (the right on an Arabic page). */
	indent?: number;
	color?: string;
	/** Space after the block, in points. */
	after?: number;
};

/**
 * Writes blocks of text top to bottom over as many pages as it takes. Every line is laid out by
 * `layoutParagraph` and drawn run by run, on the alphabetic baseline, so Latin and Arabic faces
 * of different heights share one line.
 */
export class PdfWriter {
	readonly doc: PDFKit.PDFDocument;
	readonly direction: Direction;
	private y = MARGIN.top;
	private readonly chunks: Buffer[] = [];
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

	get contentWidth(): number {
		return PAGE.width - 2 * MARGIN.side;
	}

	layout(pieces: Piece[], size: number, width: number, direction: Direction | 'auto'): Paragraph {
		const fonts = fontPicker((text, font) => this.doc.font(font).fontSize(size).widthOfString(text, { features: [] }));
		return layoutParagraph(pieces, { width, fonts, direction, fallback: this.direction });
	}

	/** A paragraph; lines that do not fit on this page go on the next. */
	block(pieces: Piece[], options: Block = {}): void {
		this.draw(pieces, options, true);
	}

	private draw(pieces: Piece[], options: Block, paginate: boolean): void {
		const size = options.size ?? 11;
		const indent = options.indent ?? 0;
		const width = this.contentWidth - indent;
		const paragraph = this.layout(pieces, size, width, options.direction ?? this.direction);
		const lineHeight = size * 1.5;
		const left = MARGIN.side + (this.direction === 'ltr' ? indent : 0);
		for (const line of paragraph.lines) {
			if (paginate) this.room(lineHeight);
			let x = paragraph.direction === 'rtl' ? left + width - line.width : left;
			const baseline = this.y + size * 1.1;
			this.doc.fillColor(options.color ?? '#1a1a1a');
			for (const run of line.runs) {
				this.doc
					.font(run.font)
					.fontSize(size)
					.text(run.text, x, baseline, { lineBreak: false, features: [], baseline: 'alphabetic' });
				x += run.width;
			}
			this.y += lineHeight;
		}
		this.y += options.after ?? size * 0.5;
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
