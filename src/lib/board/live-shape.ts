import * as Y from 'yjs';
import { readArray, readKey, readStrings, readText, watchDeep } from '$lib/collab/reactive-y';
import {
	agreementsOf,
	circleOf,
	concernsOf,
	conditionsOf,
	fragmentToHtml,
	fragmentToText,
	inPlanOrder,
	themeOf,
	translationsOf,
	type LabelledBriefItem,
	type Theme
} from '$lib/plan/shape';

/**
 * The live documents as the board's views read them (the shape is in `$lib/plan/shape`). Every
 * getter depends on the one Y type it reads, so typing in one agreement re-renders that
 * agreement's own text and nothing else on a phone with thirty cards.
 */
export class LiveAgreement {
	constructor(readonly map: Y.Map<unknown>) {}

	/** Set once, when the agreement is made. */
	get id(): string {
		return String(this.map.get('id') ?? '');
	}
	get theme(): Theme {
		return themeOf(readKey(this.map, 'theme'));
	}
	get who(): string[] {
		return readStrings(readKey(this.map, 'who'));
	}
	get answers(): string[] {
		return readStrings(readKey(this.map, 'answers'));
	}
	get when(): string {
		return readText(readKey(this.map, 'when'));
	}
	get checkedBy(): string {
		return readText(readKey(this.map, 'checkedBy'));
	}
	/** The text behind "who checks this"; null on a card from before it existed. */
	get checkedByText(): Y.Text | null {
		const value = readKey(this.map, 'checkedBy');
		return value instanceof Y.Text ? value : null;
	}
	get status(): string {
		const value = readKey(this.map, 'status');
		return typeof value === 'string' ? value : 'open';
	}
	/** Who put the card in the bin ('' when it is not there). */
	get deletedBy(): string {
		const value = readKey(this.map, 'deletedBy');
		return typeof value === 'string' ? value : '';
	}
	get binned(): boolean {
		const value = readKey(this.map, 'deletedAt');
		return typeof value === 'string' && value !== '';
	}
	/** The plain text of what is agreed, for a summary. */
	get summary(): string {
		const fragment = this.fragment;
		return fragment ? fragmentToText(watchDeep(fragment)) : '';
	}
	/** The text behind "when", for a field that follows it by itself. */
	get whenText(): Y.Text | null {
		const value = readKey(this.map, 'when');
		return value instanceof Y.Text ? value : null;
	}
	/** The rich text, for an editor that follows it by itself. */
	get fragment(): Y.XmlFragment | null {
		const value = readKey(this.map, 'text');
		return value instanceof Y.XmlFragment ? value : null;
	}
	/** The rich text as HTML with a fixed set of tags (`fragmentToHtml`), for views that only read. */
	get html(): string {
		const fragment = this.fragment;
		return fragment ? fragmentToHtml(watchDeep(fragment)) : '';
	}

	/** Who said this agreement when it was typed in for someone without a device; '' otherwise. */
	get onBehalfOf(): string {
		return String(readKey(this.map, 'onBehalfOf') ?? '');
	}
	get relayedBy(): string {
		return String(readKey(this.map, 'relayedBy') ?? '');
	}
	get via(): string {
		return String(readKey(this.map, 'via') ?? '');
	}

	/** Marks the agreement as said by `name` (through `via`), typed in by `relayedBy`; '' clears it. */
	setOnBehalf(name: string, via: string, relayedBy: string): void {
		this.map.doc?.transact(() => {
			this.map.set('onBehalfOf', name);
			this.map.set('via', name ? via : '');
			this.map.set('relayedBy', name ? relayedBy : '');
		});
	}

	setTheme(theme: string): void {
		this.map.set('theme', theme);
	}

	setStatus(status: string): void {
		this.map.set('status', status);
	}

	/** Into the bin, for everyone; the server logs who (never what). */
	bin(by: string, at = new Date()): void {
		this.setBoth(by, at.toISOString());
	}

	restore(): void {
		this.setBoth('', '');
	}

	private setBoth(by: string, at: string): void {
		const set = () => {
			this.map.set('deletedBy', by);
			this.map.set('deletedAt', at);
		};
		if (this.map.doc) this.map.doc.transact(set);
		else set();
	}

	/** Adds the value to "who" or "answers", or takes it out when it is there. */
	toggle(key: 'who' | 'answers', value: string): void {
		const list = this.map.get(key);
		if (!(list instanceof Y.Array)) return;
		const at = list.toArray().indexOf(value);
		if (at >= 0) list.delete(at, 1);
		else list.push([value]);
	}
}

/**
 * The plan's cards in their order and the cards in the bin. Depends on the list and on each
 * card's position and bin keys, not on what the cards say.
 */
export function liveCards(doc: Y.Doc): { plan: Y.Map<unknown>[]; bin: Y.Map<unknown>[] } {
	const all = readArray(agreementsOf(doc)).filter((card) => card instanceof Y.Map);
	const binned = (card: Y.Map<unknown>) => {
		readKey(card, 'position');
		return Boolean(readKey(card, 'deletedAt'));
	};
	const marks = all.map(binned);
	return {
		plan: inPlanOrder(all.filter((_, i) => !marks[i])),
		bin: all.filter((_, i) => marks[i])
	};
}

/** How many agreements answer each concern or condition, by its id. */
export function answerCounts(doc: Y.Doc): Map<string, number> {
	const counts = new Map<string, number>();
	for (const agreement of readArray(agreementsOf(doc))) {
		// A card in the bin answers nothing.
		if (readKey(agreement, 'deletedAt')) continue;
		for (const id of new LiveAgreement(agreement).answers) counts.set(id, (counts.get(id) ?? 0) + 1);
	}
	return counts;
}

/**
 * Concerns and conditions with their short labels (Z1, V1 in Dutch), in the order of the brief.
 * The list depends on the two lists alone; an item's text is read when a view shows it.
 */
export function liveBriefItems(
	brief: Y.Doc,
	label: (kind: 'concern' | 'condition', n: number) => string
): LabelledBriefItem[] {
	const items = (kind: 'concern' | 'condition', list: Y.Array<Y.Map<unknown>>) =>
		readArray(list).map((item, i) => ({
			id: String(item.get('id') ?? ''),
			by: String(item.get('by') ?? ''),
			kind,
			label: label(kind, i + 1),
			get theme() {
				return themeOf(readKey(item, 'theme'));
			},
			get text() {
				return readText(readKey(item, 'text'));
			}
		}));
	return [...items('concern', concernsOf(brief)), ...items('condition', conditionsOf(brief))];
}

/** Someone in the circle without a device, as the views read them. */
export type LiveCirclePerson = { map: Y.Map<unknown>; id: string; name: string; presence: string; addedBy: string };

/** The people the family added to its circle who cannot be there (no device of their own). */
export function liveCircle(doc: Y.Doc): LiveCirclePerson[] {
	return readArray(circleOf(doc)).map((map) => ({
		map,
		id: String(map.get('id') ?? ''),
		name: String(readKey(map, 'name') ?? ''),
		presence: String(readKey(map, 'presence') ?? ''),
		addedBy: String(readKey(map, 'addedBy') ?? '')
	}));
}

/** Language codes a translation may carry: the attribute `lang` and speech take them as they are. */
const LANGUAGE_TAG = /^[a-z]{2,3}$/;

/** One agreement's translations, each with its own text to edit or read. */
export function liveTranslations(
	doc: Y.Doc,
	agreementId: string
): { map: Y.Map<unknown>; id: string; lang: string; by: string; text: Y.Text | null }[] {
	return readArray(translationsOf(doc))
		.filter((map) => map.get('agreement') === agreementId)
		.map((map) => {
			const lang = String(map.get('lang') ?? '');
			const text = map.get('text');
			return {
				map,
				id: String(map.get('id') ?? ''),
				lang: LANGUAGE_TAG.test(lang) ? lang : 'und',
				by: String(map.get('by') ?? ''),
				text: text instanceof Y.Text ? text : null
			};
		});
}
