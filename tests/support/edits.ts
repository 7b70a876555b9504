/**
 * Editing the brief and the plan the way the board does, through the shared shape in
 * src/lib/plan/shape.ts, so tests write the same data a phone writes.
 */
import * as Y from 'yjs';
import { positionAtEnd } from '../../src/lib/plan/order';
import {
	agreementsOf,
	conditionsOf,
	concernsOf,
	createAgreement,
	createBriefItem,
	createGroundRule,
	groundRulesOf,
	metaText,
	planAgreements,
	readPlan,
	type Author,
	type MetaField
} from '../../src/lib/plan/shape';

/** Adds an agreement whose rich text is one paragraph, with who, when and what it answers; returns its id. */
export function addAgreement(
	doc: Y.Doc,
	text: string,
	fields: { theme?: string; createdBy?: string; who?: string[]; when?: string; answers?: string[] } = {}
): string {
	const agreement = createAgreement({
		theme: fields.theme ?? 'other',
		createdBy: fields.createdBy ?? 'test',
		// Last in the family's order, as the board adds a card.
		position: positionAtEnd(planAgreements(doc))
	});
	doc.transact(() => {
		agreementsOf(doc).push([agreement]);
		const paragraph = new Y.XmlElement('paragraph');
		(agreement.get('text') as Y.XmlFragment).insert(0, [paragraph]);
		paragraph.insert(0, [new Y.XmlText(text)]);
		if (fields.who?.length) (agreement.get('who') as Y.Array<string>).push(fields.who);
		if (fields.when) (agreement.get('when') as Y.Text).insert(0, fields.when);
		if (fields.answers?.length) (agreement.get('answers') as Y.Array<string>).push(fields.answers);
	});
	return String(agreement.get('id'));
}

/** The plain text of every agreement, in order. */
export function agreementTexts(doc: Y.Doc): string[] {
	return readPlan(doc).agreements.map((agreement) => agreement.text);
}

/** Adds a concern to the brief (what, who raised it — as the server knows them: `authorIn` — and its theme). */
export function addConcern(doc: Y.Doc, text: string, author: Author, theme?: string): void {
	concernsOf(doc).push([createBriefItem({ author, text, theme })]);
}

/** Adds a condition the plan must meet to the brief. */
export function addCondition(doc: Y.Doc, text: string, author: Author, theme?: string): void {
	conditionsOf(doc).push([createBriefItem({ author, text, theme })]);
}

/** Appends `text` to a plan-wide field in one change (a paste, not typing). */
export function appendToField(doc: Y.Doc, field: MetaField, text: string): void {
	const target = metaText(doc, field);
	target.insert(target.length, text);
}

/** Adds a concern or a condition with its theme; returns its id, which agreements answer. */
export function addBriefItem(
	doc: Y.Doc,
	kind: 'concern' | 'condition',
	fields: { author: Author; text: string; theme?: string }
): string {
	const item = createBriefItem(fields);
	(kind === 'concern' ? concernsOf(doc) : conditionsOf(doc)).push([item]);
	return String(item.get('id'));
}

/** Adds a ground rule to the plan. */
export function addGroundRule(doc: Y.Doc, text: string): void {
	groundRulesOf(doc).push([createGroundRule(text)]);
}

/** Writes a plan-wide field (who watches over the plan, when to evaluate, what if not) at once. */
export function setField(doc: Y.Doc, field: MetaField, text: string): void {
	metaText(doc, field).insert(0, text);
}

/**
 * Types `input` one character at a time into a plan field, each character its own change, the
 * way a keyboard does. The caret is a relative position, so it stays behind what this typist
 * wrote even while others type elsewhere in the same text.
 */
export async function typeInto(
	doc: Y.Doc,
	field: MetaField,
	input: string,
	options: { at?: number; pauseEvery?: number } = {}
): Promise<void> {
	const text = metaText(doc, field);
	// The caret sticks to the character on its left (assoc -1), as an editor's caret does.
	let caret = Y.createRelativePositionFromTypeIndex(text, Math.min(options.at ?? text.length, text.length), -1);
	let typed = 0;
	for (const char of input) {
		const index = Y.createAbsolutePositionFromRelativePosition(caret, doc)?.index ?? text.length;
		text.insert(index, char);
		caret = Y.createRelativePositionFromTypeIndex(text, index + 1, -1);
		// Yield now and then so that the other typist's changes arrive in between, as they do live.
		if (++typed % (options.pauseEvery ?? 3) === 0) await new Promise((resolve) => setTimeout(resolve, 1));
	}
}

/** Reads a plan-wide field; these are top-level texts, so reading one creates nothing to race over. */
export function fieldText(doc: Y.Doc, field: MetaField): string {
	return metaText(doc, field).toString();
}

/**
 * An hour of typing on one phone (12,000 keys by default): every 30 keys a jump to another place
 * — an agreement's rich text or its "when", a ground rule, a plan-wide field — with one key in ten
 * a backspace. Each key is its own change, as on a keyboard. Deterministic for a given seed.
 * Needs at least one agreement in the plan.
 */
export function typeForAnHour(doc: Y.Doc, options: { keys?: number; seed?: number } = {}): void {
	let seed = options.seed ?? 1;
	const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
	const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];
	const keys = options.keys ?? 12_000;
	const letters = 'etaoin shrdlu';
	const places = (): Y.Text[] => {
		const texts: Y.Text[] = [];
		for (const agreement of agreementsOf(doc).toArray()) {
			texts.push(agreement.get('when') as Y.Text);
			const fragment = agreement.get('text') as Y.XmlFragment;
			let paragraph = fragment.get(0) as Y.XmlElement | undefined;
			if (!paragraph) {
				paragraph = new Y.XmlElement('paragraph');
				fragment.insert(0, [paragraph]);
			}
			if (!(paragraph.get(0) instanceof Y.XmlText)) paragraph.insert(0, [new Y.XmlText()]);
			texts.push(paragraph.get(0) as Y.XmlText);
		}
		for (const rule of groundRulesOf(doc).toArray()) texts.push(rule.get('text') as Y.Text);
		for (const field of ['monitor', 'evaluation', 'contingency'] as const) texts.push(metaText(doc, field));
		return texts;
	};
	let typed = 0;
	while (typed < keys) {
		const text = pick(places());
		let at = Math.floor(random() * (text.length + 1));
		for (let k = 0; k < 30 && typed < keys; k++, typed++) {
			if (random() < 0.1 && at > 0) text.delete(--at, 1);
			else text.insert(at++, pick([...letters]));
		}
	}
}
