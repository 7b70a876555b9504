import * as Y from 'yjs';
import type { Presence } from '$lib/conference/participants';
import type { DocumentName, Role } from '$lib/conference/phases';

/**
 * The shape of the two live documents. Both sides (browser and server) read and write them
 * only through these names, so a change here is a change of the data format.
 *
 * brief: concerns[] and conditions[] (Y.Map with id, by, authorId, authorRole, theme, text: Y.Text),
 *        information (rich text)
 * plan:  agreements[] (Y.Map with id, theme, when: Y.Text, who: Y.Array<string>, answers: Y.Array<string>,
 *        text: Y.XmlFragment, status, checkedBy: Y.Text, position, deletedBy, deletedAt),
 *        groundRules[] (Y.Map with id, text: Y.Text),
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

/**
 * Whether `who` may change or remove an item written by the item's author: its own items, and
 * for the family every family item (the family writes as one; a phone that joins again is a new
 * participant). An item written before Kring knew authors (no `authorId`) is the staff's: the
 * family cannot change it. docs/design.md §3, item 7.
 */
export function mayChangeItem(
	item: { authorId: unknown; authorRole: unknown },
	who: Pick<Author, 'participantId' | 'role'>
): boolean {
	if (typeof item.authorId !== 'string') return who.role !== 'family';
	if (item.authorRole === 'family' && who.role === 'family') return true;
	return item.authorId === who.participantId && item.authorRole === who.role;
}

/** A theme as read from a document anyone in the conference may write: one Kring knows, else 'other'. */
export function themeOf(value: unknown): Theme {
	return THEMES.find((theme) => theme === value) ?? 'other';
}

export const META_FIELDS = ['monitor', 'evaluation', 'contingency'] as const;
export type MetaField = (typeof META_FIELDS)[number];

export type BriefItem = { id: string; by: string; theme: string; text: string };

/**
 * Who wrote a brief item, as the server knows the socket: the participant id and role from the
 * session, and the display name. The update guard checks a new item's author against its sender
 * (docs/design.md §3, item 7).
 */
export type Author = { participantId: string; role: Role; name: string };
/** A reaction to a concern or condition, by its id (`item`). */
export type ReactionContent = { item: string; by: string; text: string };
export type BriefContent = {
	concerns: BriefItem[];
	conditions: BriefItem[];
	information: string;
	/** Absent when nobody reacted (and in versions from before reactions). */
	reactions?: ReactionContent[];
};

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
	/** Who checks that this agreement is kept (besides the plan-wide monitor); absent in older versions. */
	checkedBy?: string;
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
	/** `authored`: each item belongs to who wrote it (AUTHOR_FIELDS), and the guard enforces it. */
	| { kind: 'list'; fields: Readonly<Record<string, FieldShape>>; authored?: boolean }
	| { kind: 'text' }
	| { kind: 'richText' };

const BRIEF_ITEM_FIELDS = {
	id: 'string',
	by: 'string',
	authorId: 'string',
	authorRole: 'string',
	theme: 'theme',
	text: 'text'
} as const;

/** A reaction to a concern or condition: someone's own words beside another's item. */
const REACTION_FIELDS = {
	id: 'string',
	item: 'string',
	by: 'string',
	authorId: 'string',
	authorRole: 'string',
	text: 'text'
} as const;

/** The fields that say who wrote an authored item: set once, with the item, never changed. */
export const AUTHOR_FIELDS = ['by', 'authorId', 'authorRole'] as const;
const AGREEMENT_FIELDS = {
	id: 'string',
	theme: 'theme',
	when: 'text',
	who: 'strings',
	answers: 'strings',
	text: 'richText',
	status: 'string',
	createdBy: 'string',
	checkedBy: 'text',
	position: 'string',
	deletedBy: 'string',
	deletedAt: 'string',
	onBehalfOf: 'optionalString',
	relayedBy: 'optionalString',
	via: 'optionalString'
} as const;
const GROUND_RULE_FIELDS = { id: 'string', text: 'text' } as const;
const CIRCLE_FIELDS = { id: 'string', name: 'string', presence: 'string', addedBy: 'string' } as const;
const TRANSLATION_FIELDS = { id: 'string', agreement: 'string', lang: 'string', text: 'text', by: 'string' } as const;

export const DOCUMENT_SHAPES: Readonly<Record<DocumentName, Readonly<Record<string, TopLevelShape>>>> = {
	brief: {
		concerns: { kind: 'list', fields: BRIEF_ITEM_FIELDS, authored: true },
		conditions: { kind: 'list', fields: BRIEF_ITEM_FIELDS, authored: true },
		reactions: { kind: 'list', fields: REACTION_FIELDS, authored: true },
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
export const reactionsOf = (doc: Y.Doc) => doc.getArray<Y.Map<unknown>>('reactions');
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

/**
 * A brief item written by `author`. An item carried over from an earlier conference (an evaluation,
 * the demo) names only who wrote it then: without an author id it counts as the staff's (`mayChangeItem`).
 */
export function createBriefItem(fields: {
	author: Author | Pick<Author, 'name'>;
	theme?: string;
	text?: string;
}): Y.Map<unknown> {
	const item = new Y.Map<unknown>();
	item.set('id', newId());
	item.set('by', fields.author.name);
	if ('participantId' in fields.author) {
		item.set('authorId', fields.author.participantId);
		item.set('authorRole', fields.author.role);
	}
	item.set('theme', fields.theme ?? 'other');
	item.set('text', new Y.Text(fields.text ?? ''));
	return item;
}

/** What an agreement's status may be; `done` is for the follow-up. */
export const AGREEMENT_STATUSES = ['open', 'done'] as const;

export function createAgreement(fields: { theme?: string; createdBy: string; position?: string }): Y.Map<unknown> {
	const agreement = new Y.Map<unknown>();
	agreement.set('id', newId());
	agreement.set('theme', fields.theme ?? 'other');
	agreement.set('when', new Y.Text());
	agreement.set('who', new Y.Array<string>());
	agreement.set('answers', new Y.Array<string>());
	agreement.set('text', new Y.XmlFragment());
	agreement.set('status', 'open');
	agreement.set('createdBy', fields.createdBy);
	agreement.set('checkedBy', new Y.Text());
	// Order is a position key, not the place in the list: moving a Y.Map would copy it and lose
	// what someone typed in it meanwhile (docs/design.md §4).
	agreement.set('position', fields.position ?? '');
	// A deleted card goes to the bin: it keeps its content until the plan is accepted.
	agreement.set('deletedBy', '');
	agreement.set('deletedAt', '');
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

/**
 * A reaction to a concern or condition (`item`: its id), by `author`: the family reacts to what a
 * professional wrote without changing it, and the reaction is the family's own (an authored list).
 */
export function createReaction(fields: { item: string; author: Author; text: string }): Y.Map<unknown> {
	const reaction = new Y.Map<unknown>();
	reaction.set('id', newId());
	reaction.set('item', fields.item);
	reaction.set('by', fields.author.name);
	reaction.set('authorId', fields.author.participantId);
	reaction.set('authorRole', fields.author.role);
	reaction.set('text', new Y.Text(fields.text));
	return reaction;
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
	const reactions = reactionsOf(doc)
		.toArray()
		.filter((reaction) => reaction instanceof Y.Map)
		.map((reaction) => ({
			item: String(reaction.get('item') ?? ''),
			by: String(reaction.get('by') ?? ''),
			text: textOf(reaction.get('text'))
		}))
		.filter((reaction) => reaction.text.trim() !== '');
	return {
		concerns: readItems(concernsOf(doc)),
		conditions: readItems(conditionsOf(doc)),
		information: fragmentToHtml(informationOf(doc)),
		...(reactions.length > 0 ? { reactions } : {})
	};
}

/** A card in the bin: deleted by someone, and restorable until the plan is accepted. */
export function isBinned(agreement: Y.Map<unknown>): boolean {
	const at = agreement.get('deletedAt');
	return typeof at === 'string' && at !== '';
}

/** A card's position key; cards from before positions sort first, in list order. */
export function positionOf(agreement: Y.Map<unknown>): string {
	const position = agreement.get('position');
	return typeof position === 'string' ? position : '';
}

/**
 * Cards in their order: by position key, and equal keys (two phones that put a card in the same
 * place at once) by their place in the list, which every phone sees the same. Plain `<` on
 * purpose: fractional-indexing keys sort by character code, not by language.
 */
export function inPlanOrder<T extends Y.Map<unknown>>(agreements: readonly T[]): T[] {
	return agreements
		.map((agreement, index) => ({ agreement, index, key: positionOf(agreement) }))
		.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index))
		.map(({ agreement }) => agreement);
}

/**
 * Empties the bin for good (at acceptance: a card can be put back only until then). The doc
 * should collect garbage (`gc`, Yjs's default), so that the cards' content is dropped, not
 * only hidden. Returns how many cards went.
 */
export function emptyTheBin(doc: Y.Doc): number {
	const list = agreementsOf(doc);
	let emptied = 0;
	doc.transact(() => {
		for (let i = list.length - 1; i >= 0; i--)
			if (isBinned(list.get(i))) {
				list.delete(i, 1);
				emptied++;
			}
	});
	return emptied;
}

/**
 * The cards the plan holds: not in the bin, in their order. Anything in the list that is not a card
 * is passed over: the server refuses such entries, but a phone's own copy must not break on one.
 */
export function planAgreements(doc: Y.Doc): Y.Map<unknown>[] {
	return inPlanOrder(
		agreementsOf(doc)
			.toArray()
			.filter((agreement) => agreement instanceof Y.Map && !isBinned(agreement))
	);
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
		agreements: planAgreements(doc).map((agreement) => {
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
				checkedBy: textOf(agreement.get('checkedBy')),
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
