import { describe, expect, it } from 'vitest';
import { evaluationInWords, isoDate, planReadiness, todayIn } from './readiness';
import type { AgreementContent, PlanContent } from './shape';

const agreement = (id: string, who: string[], when: string): AgreementContent => ({
	id,
	theme: 'contact',
	who,
	when,
	answers: [],
	html: '<p>Oma haalt Johan op</p>',
	text: 'Oma haalt Johan op',
	status: 'open',
	checkedBy: ''
});
const plan = (fields: Partial<PlanContent> = {}): PlanContent => ({
	agreements: [],
	groundRules: [],
	monitor: '',
	evaluation: '',
	contingency: '',
	...fields
});
const TODAY = '2026-11-30';

describe('a plan is ready when the family has written what it needs', () => {
	it('names everything an empty plan lacks, in checklist order', () => {
		expect(planReadiness(plan(), TODAY)).toEqual({
			ready: false,
			missing: ['agreement', 'evaluation', 'contingency'],
			notConcrete: []
		});
	});

	it('lets a plan with an agreement, a later evaluation date and a "what if" through', () => {
		const ready = plan({
			agreements: [agreement('a1', ['Oma'], 'elke woensdag')],
			evaluation: '2027-01-15',
			contingency: 'Dan belt oom Kees de gezinsvoogd.'
		});
		expect(planReadiness(ready, TODAY)).toEqual({ ready: true, missing: [], notConcrete: [] });
	});

	it('wants the evaluation after today, not today or before', () => {
		const base = { agreements: [agreement('a1', ['Oma'], 'morgen')], contingency: 'Bellen.' };
		expect(planReadiness(plan({ ...base, evaluation: TODAY }), TODAY).missing).toEqual(['evaluation_not_after_today']);
		expect(planReadiness(plan({ ...base, evaluation: '2026-01-01' }), TODAY).missing).toEqual([
			'evaluation_not_after_today'
		]);
		expect(planReadiness(plan({ ...base, evaluation: '2026-12-01' }), TODAY).ready).toBe(true);
	});

	it('does not take free text or an impossible date for an evaluation date', () => {
		for (const evaluation of ['over zes weken', '2027-02-30', '15-01-2027', '2027-1-5', '   '])
			expect(planReadiness(plan({ evaluation }), TODAY).missing).toContain('evaluation');
		expect(isoDate(' 2028-02-29 ')).toBe('2028-02-29');
		expect(isoDate('2027-02-29')).toBeNull();
	});

	it('does not count a "what if" of only spaces', () => {
		expect(planReadiness(plan({ contingency: ' \n ' }), TODAY).missing).toContain('contingency');
	});

	it('marks an agreement without who or when as not yet concrete, without blocking the plan', () => {
		const readiness = planReadiness(
			plan({
				agreements: [
					agreement('whole', ['Oma'], 'woensdag'),
					agreement('nobody', [], 'woensdag'),
					agreement('never', ['Vader'], '  ')
				],
				evaluation: '2027-01-15',
				contingency: 'Bellen.'
			}),
			TODAY
		);
		expect(readiness).toEqual({ ready: true, missing: [], notConcrete: ['nobody', 'never'] });
	});

	it("reads today in the conference's time zone", () => {
		// 23:30 UTC on 30 November is already 1 December in Amsterdam.
		expect(todayIn('Europe/Amsterdam', new Date('2026-11-30T23:30:00Z'))).toBe('2026-12-01');
		expect(todayIn('UTC', new Date('2026-11-30T23:30:00Z'))).toBe('2026-11-30');
	});

	it("says an evaluation date in the reader's words, and free text as it was written", () => {
		expect(evaluationInWords('2031-03-12', 'nl')).toBe('12 maart 2031');
		expect(evaluationInWords('2031-03-12', 'en')).toBe('March 12, 2031');
		expect(evaluationInWords('over drie maanden', 'nl')).toBe('over drie maanden');
	});
});
