import * as Y from 'yjs';
import type { Presence } from '$lib/conference/participants';
import type { DocumentName, Role } from '$lib/conference/phases';

/**
 * The shape of the two live documents. Both sides (browser and server) read and write them
 * only through these names, so a change here is a change of the data format.
 *
 * brief: concerns[] and conditions[] (Y.Map with id, by, theme, text: Y.Text), information (rich text)
 * plan:  agreements[] (Y.Map with id, theme, when: Y.Text, who: Y.Array<string>, answers: Y.Array<string>,
 *        text: Y.XmlFragment, status), groundRules[] (Y.Map with id, text: Y.Text),
 *        monitor, evaluation, contingency (top-level Y.Text: two phones starting to type at once
 *        cannot each create their own text and lose one), circle[] (Y.Map with id, name, presence,
 *        addedBy: people who cannot be there), translations[] (Y.Map with id, agreement, lang,
 *        text: Y.Text, by; beside the agreement, not inside it, so the shape stays flat)
 */
export const THEMES = [
	'housing',
	'work',
	'money',
	'upbringing',
	'health',
	'justice',
	'school',
	'contact',
	'return',
	'other'
] as const;
export type Theme = (typeof THEMES)[number];

/** A theme as read from a document anyone in the conference may write: one Kring knows, else 'other'. */
export function themeOf(value: unknown): Theme {
	return THEMES.find((theme) => theme === value) ?? 'other';
}

export const META_FIELDS = ['monitor', 'evaluation', 'contingency'] as const;
export type MetaField = (typeof META_FIELDS)[number];

export type BriefItem = { id: string; by: string; theme: string; text: string };
export type BriefContent = { concerns: BriefItem[]; conditions: BriefItem[]; information: string };

export type AgreementContent = {
	id: string;
	theme: string;
	who: string[];
	when: string;
	answers: string[];
	/** Sanitised HTML made from the rich text: only p, ul, ol, li, strong, em, h3. */
	html: string;
	text: string;
	status: string;
	/** Said by someone without a device (the detained relative), typed in by `relayedBy`. */
	onBehalfOf?: string;
	relayedBy?: string;
	/** How that person took part: 'video-visit', or '' when not said. */
	via?: string;
	/** The agreement in other languages, beside the original; absent in older versions. */
	translations?: TranslationContent[];
};

export type TranslationContent = { lang: string; text: string; by: string };

/** Someone in the family's circle who cannot be there and has no device. */
export type CirclePerson = { id: string; name: string; presence: string; addedBy: string };

export type PlanContent = {
	agreements: AgreementContent[];
	groundRules: string[];
	monitor: string;
	evaluation: string;
	contingency: string;
	/** Absent in versions accepted before Kring kept the circle. */
	circle?: CirclePerson[];
};

/** Someone who took part when the plan was accepted; presence only for the family. */
export type FrozenPerson = { name: string; role: Role; presence: Presence | null };

/** The accepted plan as it was frozen and hashed. */
export type FrozenPlan = {
	version: number;
	conferenceTitle: string;
	question: string;
	brief: BriefContent;
	plan: PlanContent;
	acceptedBy: string;
	acceptedByRole: string;
	conditions: string;
	acceptedAt: string;
	/** Absent in versions accepted before Kring froze who took part. */
	people?: FrozenPerson[];
};

/**
 * What each part of the two documents holds, as data: the update guard (update-guard.ts)
 * refuses a change that does not fit it. `string` is a plain string value, `theme` one of THEMES,
 * `text` a Y.Text of plain characters, `strings` a Y.Array of strings, `richText` a Tiptap
 * Y.XmlFragment, `optionalString` a plain string an item may lack (it came after the item's
 * first version: "on behalf of" is set on an agreement made earlier). A list holds Y.Maps with exactly these fields (docs/design.md §4).
 */
export type FieldShape = 'string' | 'optionalString' | 'theme' | 'text' | 'strings' | 'richText';
export type TopLevelShape =
	| { kind: 'list'; fields: Readonly<Record<string, FieldShape>> }
	| { kind: 'text' }
	| { kind: 'richText' };

const BRIEF_ITEM_FIELDS = { id: 'string', by: 'string', theme: 'theme', text: 'text' } as const;
const AGREEMENT_FIELDS = {
	id: 'string',
	theme: 'theme',
	when: 'text',
	who: 'strings',
	answers: 'strings',
	text: 'richText',
	status: 'string',
	createdBy: 'string',
	onBehalfOf: 'optionalString',
	relayedBy: 'optionalString',
	via: 'optionalString'
} as const;
const GROUND_RULE_FIELDS = { id: 'string', text: 'text' } as const;
const CIRCLE_FIELDS = { id: 'string', name: 'string', presence: 'string', addedBy: 'string' } as const;
const TRANSLATION_FIELDS = { id: 'string', agreement: 'string', lang: 'string', text: 'text', by: 'string' } as const;

export const DOCUMENT_SHAPES: Readonly<Record<DocumentName, Readonly<Record<string, TopLevelShape>>>> = {
	brief: {
		concerns: { kind: 'list', fields: BRIEF_ITEM_FIELDS },
		conditions: { kind: 'list', fields: BRIEF_ITEM_FIELDS },
		information: { kind: 'richText' }
	},
	plan: {
		agreements: { kind: 'list', fields: AGREEMENT_FIELDS },
		groundRules: { kind: 'list', fields: GROUND_RULE_FIELDS },
		monitor: { kind: 'text' },
		evaluation: { kind: 'text' },
		contingency: { kind: 'text' },
		circle: { kind: 'list', fields: CIRCLE_FIELDS },
		translations: { kind: 'list', fields: TRANSLATION_FIELDS }
	}
};

export const concernsOf = (doc: Y.Doc) => doc.getArray<Y.Map<unknown>>('concerns');
export const conditionsOf = (doc: Y.Doc) => doc.getArray<Y.Map<unknown>>('conditions');
export const informationOf = (doc: Y.Doc) => doc.getXmlFragment('information');
export const agreementsOf = (doc: Y.Doc) => doc.getArray<Y.Map<unknown>>('agreements');
export const groundRulesOf = (doc: Y.Doc) => doc.getArray<Y.Map<unknown>>('groundRules');
export const circleOf = (doc: Y.Doc) => doc.getArray<Y.Map<unknown>>('circle');
export const translationsOf = (doc: Y.Doc) => doc.getArray<Y.Map<unknown>>('translations');

/** How someone in the circle who has no device takes part. */
export const CIRCLE_PRESENCES = ['video-visit', 'absent'] as const;
export type CirclePresence = (typeof CIRCLE_PRESENCES)[number];

export function newId(): string {
	const bytes = new Uint8Array(8);
	crypto.getRandomValues(bytes);
	return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Takes one item out of a shared list, wherever others have moved it meanwhile. */
export function removeFrom<T>(list: Y.Array<T>, item: T): void {
	const index = list.toArray().indexOf(item);
	if (index >= 0) list.delete(index, 1);
}

export function createBriefItem(fields: { by: string; theme?: string; text?: string }): Y.Map<unknown> {
	const item = new Y.Map<unknown>();
	item.set('id', newId());
	item.set('by', fields.by);
	item.set('theme', fields.theme ?? 'other');
	item.set('text', new Y.Text(fields.text ?? ''));
	return item;
}

export function createAgreement(fields: { theme?: string; createdBy: string }): Y.Map<unknown> {
	const agreement = new Y.Map<unknown>();
	agreement.set('id', newId());
	agreement.set('theme', fields.theme ?? 'other');
	agreement.set('when', new Y.Text());
	agreement.set('who', new Y.Array<string>());
	agreement.set('answers', new Y.Array<string>());
	agreement.set('text', new Y.XmlFragment());
	agreement.set('status', 'open');
	agreement.set('createdBy', fields.createdBy);
	return agreement;
}

export function createGroundRule(text = ''): Y.Map<unknown> {
	const rule = new Y.Map<unknown>();
	rule.set('id', newId());
	rule.set('text', new Y.Text(text));
	return rule;
}

export function createCirclePerson(fields: {
	name: string;
	presence: CirclePresence;
	addedBy: string;
}): Y.Map<unknown> {
	const person = new Y.Map<unknown>();
	person.set('id', newId());
	person.set('name', fields.name);
	person.set('presence', fields.presence);
	person.set('addedBy', fields.addedBy);
	return person;
}

export function createTranslation(fields: { agreement: string; lang: string; by: string }): Y.Map<unknown> {
	const translation = new Y.Map<unknown>();
	translation.set('id', newId());
	translation.set('agreement', fields.agreement);
	translation.set('lang', fields.lang);
	translation.set('text', new Y.Text());
	translation.set('by', fields.by);
	return translation;
}

/** The Y.Text behind a plan-wide field (who watches over the plan, when to evaluate, what if not). */
export function metaText(doc: Y.Doc, field: MetaField): Y.Text {
	return doc.getText(field);
}

export function textOf(value: unknown): string {
	if (value instanceof Y.Text) return value.toString();
	if (typeof value === 'string') return value;
	return '';
}

export function stringsOf(value: unknown): string[] {
	if (value instanceof Y.Array) return value.toArray().filter((v): v is string => typeof v === 'string');
	return [];
}

function readItems(array: Y.Array<Y.Map<unknown>>): BriefItem[] {
	return array.toArray().map((item) => ({
		id: String(item.get('id') ?? ''),
		by: String(item.get('by') ?? ''),
		theme: String(item.get('theme') ?? 'other'),
		text: textOf(item.get('text'))
	}));
}

export type LabelledBriefItem = BriefItem & { kind: 'concern' | 'condition'; label: string };

/** Concerns and conditions with their short labels (Z1, V1 in Dutch), in the order of the brief. */
export function labelledBriefItems(
	brief: BriefContent,
	label: (kind: 'concern' | 'condition', n: number) => string
): LabelledBriefItem[] {
	return [
		...brief.concerns.map((item, i) => ({ ...item, kind: 'concern' as const, label: label('concern', i + 1) })),
		...brief.conditions.map((item, i) => ({ ...item, kind: 'condition' as const, label: label('condition', i + 1) }))
	];
}

export function readBrief(doc: Y.Doc): BriefContent {
	return {
		concerns: readItems(concernsOf(doc)),
		conditions: readItems(conditionsOf(doc)),
		information: fragmentToHtml(informationOf(doc))
	};
}

function readTranslations(doc: Y.Doc): Map<string, TranslationContent[]> {
	const byAgreement = new Map<string, TranslationContent[]>();
	for (const item of translationsOf(doc).toArray()) {
		const text = textOf(item.get('text'));
		if (text.trim() === '') continue;
		const agreement = String(item.get('agreement') ?? '');
		const list = byAgreement.get(agreement) ?? [];
		list.push({ lang: String(item.get('lang') ?? ''), text, by: String(item.get('by') ?? '') });
		byAgreement.set(agreement, list);
	}
	return byAgreement;
}

export function readPlan(doc: Y.Doc): PlanContent {
	const translations = readTranslations(doc);
	return {
		agreements: agreementsOf(doc)
			.toArray()
			.map((agreement) => {
				const fragment = agreement.get('text');
				return {
					id: String(agreement.get('id') ?? ''),
					theme: String(agreement.get('theme') ?? 'other'),
					who: stringsOf(agreement.get('who')),
					when: textOf(agreement.get('when')),
					answers: stringsOf(agreement.get('answers')),
					html: fragment instanceof Y.XmlFragment ? fragmentToHtml(fragment) : '',
					text: fragment instanceof Y.XmlFragment ? fragmentToText(fragment) : '',
					status: String(agreement.get('status') ?? 'open'),
					onBehalfOf: String(agreement.get('onBehalfOf') ?? ''),
					relayedBy: String(agreement.get('relayedBy') ?? ''),
					via: String(agreement.get('via') ?? ''),
					translations: translations.get(String(agreement.get('id') ?? '')) ?? []
				};
			}),
		groundRules: groundRulesOf(doc)
			.toArray()
			.map((rule) => textOf(rule.get('text')))
			.filter((text) => text.trim() !== ''),
		monitor: metaText(doc, 'monitor').toString(),
		evaluation: metaText(doc, 'evaluation').toString(),
		contingency: metaText(doc, 'contingency').toString(),
		circle: circleOf(doc)
			.toArray()
			.map((person) => ({
				id: String(person.get('id') ?? ''),
				name: String(person.get('name') ?? ''),
				presence: String(person.get('presence') ?? ''),
				addedBy: String(person.get('addedBy') ?? '')
			}))
			.filter((person) => person.name.trim() !== '')
	};
}

const BLOCK_TAGS: Record<string, string> = {
	paragraph: 'p',
	bulletList: 'ul',
	orderedList: 'ol',
	listItem: 'li',
	heading: 'h3',
	blockquote: 'blockquote'
};

export function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Renders a Tiptap fragment as HTML with a fixed set of tags; text is always escaped. */
export function fragmentToHtml(fragment: Y.XmlFragment | Y.XmlElement): string {
	let html = '';
	for (const child of fragment.toArray()) {
		if (child instanceof Y.XmlText) {
			for (const op of child.toDelta() as { insert: unknown; attributes?: Record<string, unknown> }[]) {
				if (typeof op.insert !== 'string') continue;
				let piece = escapeHtml(op.insert);
				if (op.attributes?.bold) piece = `<strong>${piece}</strong>`;
				if (op.attributes?.italic) piece = `<em>${piece}</em>`;
				html += piece;
			}
		} else if (child instanceof Y.XmlElement) {
			const tag = BLOCK_TAGS[child.nodeName];
			if (child.nodeName === 'hardBreak') html += '<br>';
			else if (tag) html += `<${tag}>${fragmentToHtml(child)}</${tag}>`;
			else html += fragmentToHtml(child);
		}
	}
	return html;
}

export function fragmentToText(fragment: Y.XmlFragment | Y.XmlElement): string {
	const blocks: string[] = [];
	const walk = (node: Y.XmlFragment | Y.XmlElement, into: string[]) => {
		let line = '';
		for (const child of node.toArray()) {
			if (child instanceof Y.XmlText) {
				for (const op of child.toDelta() as { insert: unknown }[]) if (typeof op.insert === 'string') line += op.insert;
			} else if (child instanceof Y.XmlElement) walk(child, into);
		}
		if (line) into.push(line);
	};
	walk(fragment, blocks);
	return blocks.join('\n');
}

/** Canonical JSON of the frozen plan: stable key order, so the same plan always hashes the same. */
export function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (value && typeof value === 'object') {
		const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
		return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
	}
	return JSON.stringify(value);
}
