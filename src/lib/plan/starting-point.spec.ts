import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { readBrief, readPlan } from './shape';
import { writeBrief, writePlan } from './starting-point';

describe('a starting point written into new documents', () => {
	it('reads back as it was written, answers still pointing at their concerns', () => {
		const brief = new Y.Doc();
		writeBrief(brief, {
			concerns: [{ id: 'c1', by: 'Gezinsvoogd', theme: 'money', text: 'Schulden' }],
			conditions: [{ id: 'k1', by: 'Gezinsvoogd', theme: 'other', text: 'Geen geweld' }]
		});
		const plan = new Y.Doc();
		writePlan(plan, {
			agreements: [
				{
					theme: 'money',
					who: ['Oom Herman'],
					when: 'elke maand',
					answers: ['c1'],
					paragraphs: ['Oom Herman betaalt.', 'Vader helpt.'],
					createdBy: 'Kring'
				}
			],
			groundRules: ['We praten niet over mensen als ze er niet bij zijn.'],
			monitor: 'Oom Herman',
			evaluation: 'over drie maanden',
			contingency: 'Dan bellen we de coördinator.'
		});
		expect(readBrief(brief).concerns).toEqual([{ id: 'c1', by: 'Gezinsvoogd', theme: 'money', text: 'Schulden' }]);
		const read = readPlan(plan);
		expect(read.agreements[0]).toMatchObject({
			theme: 'money',
			who: ['Oom Herman'],
			when: 'elke maand',
			answers: ['c1'],
			html: '<p>Oom Herman betaalt.</p><p>Vader helpt.</p>',
			status: 'open'
		});
		expect(read.groundRules).toEqual(['We praten niet over mensen als ze er niet bij zijn.']);
		expect(read.monitor).toBe('Oom Herman');
		expect(read.contingency).toBe('Dan bellen we de coördinator.');
	});
});
