// @vitest-environment svelte-client
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { readArray } from '$lib/collab/reactive-y';
import { applyInputValue } from '$lib/editor/text-diff';
import { moveCard } from '$lib/plan/order';
import { agreementsOf, concernsOf, conditionsOf, createAgreement, createBriefItem } from '$lib/plan/shape';
import { answerCounts, LiveAgreement, liveBriefItems, liveCards } from './live-shape';

/**
 * A phone with a plan of many agreements: each card reads its agreement through LiveAgreement,
 * as AgreementCard does. These specs count how often each reader runs in a Svelte effect (a
 * template re-rendering) while one family member types in one card.
 */
const stops: (() => void)[] = [];
afterEach(() => stops.splice(0).forEach((stop) => stop()));

/** Reads in an effect, as a component's template does; counts the runs. */
function view<T>(read: () => T): { runs: number; value: T } {
	const seen = { runs: 0, value: undefined as T };
	stops.push(
		$effect.root(() => {
			$effect(() => {
				seen.value = read();
				seen.runs++;
			});
		})
	);
	flushSync();
	return seen;
}

/** A change reaches the views a microtask after its transaction; then Svelte re-renders. */
async function settle(): Promise<void> {
	await Promise.resolve();
	flushSync();
}

function planWith(count: number) {
	const doc = new Y.Doc();
	agreementsOf(doc).push(Array.from({ length: count }, () => createAgreement({ createdBy: 'Edith' })));
	const cards = agreementsOf(doc)
		.toArray()
		.map((map) => new LiveAgreement(map));
	return { doc, cards };
}

/** Types a sentence letter by letter into an agreement's rich text, as Tiptap writes it. */
function typeInText(card: LiveAgreement, sentence: string): void {
	const paragraph = new Y.XmlElement('paragraph');
	const line = new Y.XmlText();
	paragraph.insert(0, [line]);
	card.fragment!.insert(0, [paragraph]);
	for (const letter of sentence) line.insert(line.length, letter);
}

describe('typing in one agreement', () => {
	it('re-renders only the field typed in, not the other cards, the list or the coverage', async () => {
		const { doc, cards } = planWith(3);
		const [first, second, third] = cards;
		const chips = cards.map((card) => view(() => [card.theme, card.who.join(), card.answers.join()]));
		const whenFields = cards.map((card) => view(() => card.when));
		const list = view(() => readArray(agreementsOf(doc)).length);
		const coverage = view(() => answerCounts(doc));

		// Wim types the day into the second card, letter by letter.
		let typed = '';
		for (const letter of 'elke woensdag') {
			typed += letter;
			applyInputValue(second.whenText!, typed, null);
			await settle();
		}

		expect(whenFields[1]).toEqual({ runs: 1 + 'elke woensdag'.length, value: 'elke woensdag' });
		expect(whenFields[0].runs).toBe(1);
		expect(whenFields[2].runs).toBe(1);
		expect(chips.map((chip) => chip.runs)).toEqual([1, 1, 1]);
		expect(list.runs).toBe(1);
		expect(coverage.runs).toBe(1);

		// Choosing who does it re-renders that card's chips, and only those.
		second.toggle('who', 'Wim');
		await settle();
		expect(chips.map((chip) => chip.runs)).toEqual([1, 2, 1]);
		expect(chips[1].value).toEqual(['other', 'Wim', '']);

		// Marking which concern it answers also updates the coverage.
		third.toggle('answers', 'concern-1');
		await settle();
		expect(chips.map((chip) => chip.runs)).toEqual([1, 2, 2]);
		expect(coverage.runs).toBe(2);
		expect(coverage.value.get('concern-1')).toBe(1);

		// A new agreement changes the list, not the cards already on screen.
		agreementsOf(doc).push([createAgreement({ createdBy: 'Wim' })]);
		await settle();
		expect(list).toEqual({ runs: 2, value: 4 });
		expect(chips.map((chip) => chip.runs)).toEqual([1, 2, 2]);
		expect(first.theme).toBe('other');
	});

	it('re-renders the big screen’s text of that agreement only', async () => {
		const { cards } = planWith(2);
		const texts = cards.map((card) => view(() => card.html));

		typeInText(cards[1], 'Johan');
		await settle();

		expect(texts[1].value).toBe('<p>Johan</p>');
		expect(texts[1].runs).toBeGreaterThan(1);
		expect(texts[0]).toEqual({ runs: 1, value: '' });
	});

	it('does not re-read the plan’s chips for a letter typed in the brief', async () => {
		const brief = new Y.Doc();
		concernsOf(brief).push([
			createBriefItem({ author: { participantId: 'p-anja', role: 'professional', name: 'Anja' }, text: 'Vader blowt' })
		]);
		conditionsOf(brief).push([
			createBriefItem({
				author: { participantId: 'p-karim', role: 'professional', name: 'Karim' },
				text: 'Geen drugs in huis'
			})
		]);
		const label = (kind: 'concern' | 'condition', n: number) => `${kind === 'concern' ? 'Z' : 'V'}${n}`;
		const items = view(() => liveBriefItems(brief, label));
		const [concern, condition] = items.value;
		const concernText = view(() => concern.text);
		const conditionText = view(() => condition.text);
		expect(items.value.map((item) => item.label)).toEqual(['Z1', 'V1']);

		const text = concernsOf(brief).get(0).get('text') as Y.Text;
		applyInputValue(text, 'Vader blowt elke dag', null);
		await settle();

		expect(concernText).toEqual({ runs: 2, value: 'Vader blowt elke dag' });
		expect(conditionText.runs).toBe(1);
		expect(items.runs).toBe(1);
	});
});

describe('a card that leaves the screen', () => {
	it('stops listening to its agreement', async () => {
		const { cards } = planWith(1);
		const when = cards[0].whenText!;
		const unobserve = vi.spyOn(when, 'unobserve');
		view(() => cards[0].when);

		stops.splice(0).forEach((stop) => stop());
		await settle();

		expect(unobserve).toHaveBeenCalledTimes(1);
	});
});

describe('the order of the cards and the bin', () => {
	it('follow moves and the bin, not typing; a card in the bin answers nothing', async () => {
		const { doc, cards } = planWith(3);
		const [first, second] = cards;
		first.toggle('answers', 'concern-1');
		const list = view(() => liveCards(doc).plan.map((map) => String(map.get('id'))));
		const bin = view(() => liveCards(doc).bin.length);
		const coverage = view(() => answerCounts(doc).get('concern-1') ?? 0);
		expect(coverage.value).toBe(1);

		typeInText(second, 'Oma haalt Johan op');
		await settle();
		expect([list.runs, bin.runs, coverage.runs]).toEqual([1, 1, 1]);

		doc.transact(() => moveCard(liveCards(doc).plan, 1, 0));
		await settle();
		expect(list.value[0]).toBe(second.id);

		first.bin('Edith');
		await settle();
		expect(list.value).not.toContain(first.id);
		expect(bin.value).toBe(1);
		expect(coverage.value).toBe(0);

		first.restore();
		await settle();
		expect(list.value).toContain(first.id);
		expect(coverage.value).toBe(1);
	});
});
