import { describe, expect, it } from 'vitest';
import { bigScreenOf, changedParts, partsOf } from './big-screen';
import type { AgreementContent, PlanContent } from './shape';

const agreement = (id: string, theme: string, answers: string[] = []): AgreementContent => ({
	id,
	theme,
	who: [],
	when: '',
	answers,
	html: `<p>${id}</p>`,
	text: id,
	status: 'open'
});
const plan: PlanContent = {
	agreements: [agreement('a', 'school'), agreement('b', 'housing', ['z']), agreement('c', 'school', ['z'])],
	groundRules: ['rule'],
	monitor: 'Herman',
	evaluation: 'over drie maanden',
	contingency: ''
};
const brief = {
	concerns: [{ id: 'z', by: 'Jeugdzorg', theme: 'school', text: 'zorg' }],
	conditions: [{ id: 'v', by: 'Jeugdzorg', theme: 'other', text: 'voorwaarde' }]
};

describe('the plan on the big screen', () => {
	it('groups agreements by theme in the themes’ order, keeping the family’s numbers', () => {
		const screen = bigScreenOf(plan, brief, (kind, n) => `${kind === 'concern' ? 'Z' : 'V'}${n}`);
		expect(screen.themes.map((group) => [group.theme, group.agreements.map((a) => a.n)])).toEqual([
			['housing', [2]],
			['school', [1, 3]]
		]);
	});

	it('writes out the coverage of every concern and condition, the unanswered too', () => {
		const screen = bigScreenOf(plan, brief, (kind, n) => `${kind === 'concern' ? 'Z' : 'V'}${n}`);
		expect(screen.coverage.map(({ item, answeredBy }) => [item.label, answeredBy.map((a) => a.n)])).toEqual([
			['Z1', [2, 3]],
			['V1', []]
		]);
	});

	it('names the parts an amendment changed, and only those', () => {
		const before = partsOf(plan);
		const after = partsOf({
			...plan,
			agreements: [
				plan.agreements[0],
				{ ...plan.agreements[1], when: 'morgen' },
				plan.agreements[2],
				agreement('d', 'other')
			],
			monitor: 'Oom Herman'
		});
		expect(changedParts(before, after).sort()).toEqual(['b', 'd', 'monitor']);
		expect(changedParts(before, partsOf(plan))).toEqual([]);
	});

	it('marks a card whose checker or "on behalf of" changed', () => {
		const before = partsOf(plan);
		const after = partsOf({
			...plan,
			agreements: [
				{ ...plan.agreements[0], checkedBy: 'Oom Herman' },
				{ ...plan.agreements[1], onBehalfOf: 'Opa', via: 'video-visit' },
				plan.agreements[2]
			]
		});
		expect(changedParts(before, after).sort()).toEqual(['a', 'b']);
	});
});
