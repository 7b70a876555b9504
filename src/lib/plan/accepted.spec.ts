import { describe, expect, it } from 'vitest';
import { asLabel, htmlBlocks, writtenOut } from './accepted';
import { escapeHtml, type FrozenPlan } from './shape';

const item = (id: string, text: string, theme = 'other') => ({ id, by: 'Gezinsvoogd', theme, text });
const agreement = (id: string, answers: string[]) => ({
	id,
	theme: 'contact',
	who: ['Vader'],
	when: '',
	answers,
	html: '<p>x</p>',
	text: 'x',
	status: 'open'
});
const frozen = (people?: FrozenPlan['people']): FrozenPlan => ({
	version: 1,
	conferenceTitle: 'Johan',
	question: 'Waar kan Johan veilig opgroeien?',
	brief: {
		concerns: [item('c1', 'Moeder is psychiatrisch patiënt.', 'health'), item('c2', 'Er zijn schulden.', 'money')],
		conditions: [item('k1', 'Er wordt niet geblowd als Johan thuis is.')],
		information: ''
	},
	plan: {
		agreements: [agreement('a1', ['k1', 'gone', 'c2']), agreement('a2', [])],
		groundRules: [],
		monitor: '',
		evaluation: '',
		contingency: ''
	},
	acceptedBy: 'Gezinsvoogd',
	acceptedByRole: 'professional',
	conditions: '',
	acceptedAt: '2026-03-12T10:00:00.000Z',
	...(people ? { people } : {})
});
const dutch = (kind: 'concern' | 'condition', n: number) => `${kind === 'concern' ? 'Z' : 'V'}${n}`;

describe('the accepted plan written out', () => {
	it('labels every concern and condition, and writes out what each agreement answers', () => {
		const plan = writtenOut(frozen(), dutch);
		expect(plan.concerns.map((c) => [c.label, c.text])).toEqual([
			['Z1', 'Moeder is psychiatrisch patiënt.'],
			['Z2', 'Er zijn schulden.']
		]);
		expect(plan.conditions.map((c) => [c.label, c.text])).toEqual([
			['V1', 'Er wordt niet geblowd als Johan thuis is.']
		]);
		// In the agreement's own order; an item that was removed from the brief is left out.
		expect(plan.agreements[0].answered.map((c) => `${c.label} ${c.text}`)).toEqual([
			'V1 Er wordt niet geblowd als Johan thuis is.',
			'Z2 Er zijn schulden.'
		]);
		expect(plan.agreements[1].answered).toEqual([]);
	});

	it('names the family first, then the professionals and the coordinator; nobody for an older version', () => {
		const plan = writtenOut(
			frozen([
				{ name: 'Carla', role: 'coordinator', presence: null },
				{ name: 'Vader', role: 'family', presence: 'room' },
				{ name: 'Gezinsvoogd', role: 'professional', presence: null },
				{ name: 'Opa', role: 'family', presence: 'remote' }
			]),
			dutch
		);
		expect(plan.people?.map((p) => p.name)).toEqual(['Vader', 'Opa', 'Gezinsvoogd', 'Carla']);
		expect(writtenOut(frozen(), dutch).people).toBeNull();
	});
});

describe('htmlBlocks', () => {
	it('turns the frozen rich text into paragraphs and list items, with bullets and numbers', () => {
		const html =
			'<p>Vader <strong>brengt</strong> Johan.</p><ul><li><p>zaterdag</p></li><li><p>zondag</p></li></ul>' +
			'<ol><li><p>eerst</p></li><li><p>dan</p></li></ol><p>Een<br>regel</p>';
		expect(htmlBlocks(html)).toEqual([
			{ text: 'Vader brengt Johan.', bullet: null },
			{ text: 'zaterdag', bullet: '•' },
			{ text: 'zondag', bullet: '•' },
			{ text: 'eerst', bullet: '1.' },
			{ text: 'dan', bullet: '2.' },
			{ text: 'Een\nregel', bullet: null }
		]);
	});

	it('gives back exactly what was typed, markup-like characters included', () => {
		const typed = 'Oom <Herman> & "tante" \'Edith\'';
		expect(htmlBlocks(`<p>${escapeHtml(typed)}</p>`)).toEqual([{ text: typed, bullet: null }]);
	});
});

describe('asLabel', () => {
	it('adds a colon unless the label already ends in one, or in a question', () => {
		expect(asLabel('Antwoord op')).toBe('Antwoord op:');
		expect(asLabel('Neye cevap veriyor?')).toBe('Neye cevap veriyor?');
		expect(asLabel('من:')).toBe('من:');
		expect(asLabel('هل؟')).toBe('هل؟');
	});
});
