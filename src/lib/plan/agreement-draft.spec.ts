import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addDraftAgreement, draftTheme } from './agreement-draft';
import { positionAtEnd } from './order';
import { planAgreements, readPlan } from './shape';
import { UpdateGuard } from './update-guard';

const BRIEF = [
	{ id: 'z1', theme: 'school' },
	{ id: 'z2', theme: 'housing' }
];

describe('the theme of an agreement made in the short flow', () => {
	it('is the one the family chose', () => {
		expect(draftTheme('money', ['z2'], BRIEF)).toBe('money');
	});
	it('else comes from the first concern it answers, in the order of the brief', () => {
		expect(draftTheme(null, ['z2', 'z1'], BRIEF)).toBe('school');
		expect(draftTheme(null, ['z2'], BRIEF)).toBe('housing');
	});
	it('else is "other"', () => {
		expect(draftTheme(null, [], BRIEF)).toBe('other');
	});
});

describe('an agreement made in the short flow', () => {
	it('reaches the room whole, in one update the guard admits', () => {
		const room = new Y.Doc();
		const guard = new UpdateGuard(room, 'plan');
		const phone = new Y.Doc();
		const updates: Uint8Array[] = [];
		phone.on('update', (update: Uint8Array) => updates.push(update));

		addDraftAgreement(
			phone,
			{
				theme: 'school',
				what: 'Oma haalt Noor op\n\nelke woensdag na school',
				who: ['Oma', ' Noor ', 'Oma'],
				when: ' vanaf maandag ',
				answers: ['z1']
			},
			{ createdBy: 'Samira', position: positionAtEnd(planAgreements(phone)) }
		);

		expect(updates).toHaveLength(1);
		const verdict = guard.admit(updates[0]);
		expect(verdict.ok).toBe(true);
		Y.applyUpdate(room, updates[0]);
		expect(readPlan(room).agreements).toEqual([
			expect.objectContaining({
				theme: 'school',
				text: 'Oma haalt Noor op\nelke woensdag na school',
				html: '<p>Oma haalt Noor op</p><p>elke woensdag na school</p>',
				who: ['Oma', 'Noor'],
				when: 'vanaf maandag',
				answers: ['z1'],
				status: 'open'
			})
		]);
	});
});
