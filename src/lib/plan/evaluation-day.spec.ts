import { describe, expect, it } from 'vitest';
import { evaluationDayFrom } from './evaluation-day';

const accepted = new Date('2026-11-30T15:00:00Z');

describe('the evaluation day the family’s words name', () => {
	it.each([
		['over drie maanden', '2027-02-28'],
		['Over 6 weken, bij opa thuis', '2027-01-11'],
		['in two weeks', '2026-12-14'],
		['na een jaar', '2027-11-30'],
		['op 1-3-2027 om 19.00', '2027-03-01'],
		['2027-03-15', '2027-03-15']
	])('%s → %s', (words, day) => {
		expect(evaluationDayFrom(words, accepted)).toBe(day);
	});

	it.each(['als het nodig is', 'over een tijdje', '31-2-2027', ''])('%s names no day', (words) => {
		expect(evaluationDayFrom(words, accepted)).toBeNull();
	});
});
