/**
 * The day the family's own words about the evaluation name, when they name one: "over drie
 * maanden", "in 6 weeks", "1-3-2027", "2027-03-01". Counted from the day the plan was accepted.
 * Used until someone sets the day itself (docs/design.md §7); null when the words say no day.
 */
const NUMBERS: Record<string, number> = {
	een: 1,
	één: 1,
	twee: 2,
	drie: 3,
	vier: 4,
	vijf: 5,
	zes: 6,
	zeven: 7,
	acht: 8,
	negen: 9,
	tien: 10,
	elf: 11,
	twaalf: 12,
	a: 1,
	an: 1,
	one: 1,
	two: 2,
	three: 3,
	four: 4,
	five: 5,
	six: 6,
	seven: 7,
	eight: 8,
	nine: 9,
	ten: 10,
	eleven: 11,
	twelve: 12
};
const UNITS: [RegExp, 'day' | 'week' | 'month' | 'year'][] = [
	[/^(dag|dagen|day|days)$/, 'day'],
	[/^(week|weken|weeks)$/, 'week'],
	[/^(maand|maanden|month|months)$/, 'month'],
	[/^(jaar|jaren|year|years)$/, 'year']
];

export function evaluationDayFrom(words: string, acceptedAt: Date): string | null {
	const text = words.toLocaleLowerCase('nl').trim();
	const iso = /\b(\d{4})-(\d{2})-(\d{2})\b/.exec(text);
	if (iso) return day(Number(iso[1]), Number(iso[2]), Number(iso[3]));
	const dutch = /\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b/.exec(text);
	if (dutch) return day(Number(dutch[3]), Number(dutch[2]), Number(dutch[1]));
	const relative = /\b(?:over|in|na|after)\s+(\d{1,3}|[a-zé]+)\s+([a-z]+)\b/.exec(text);
	if (!relative) return null;
	const count = /^\d+$/.test(relative[1]) ? Number(relative[1]) : NUMBERS[relative[1]];
	const unit = UNITS.find(([pattern]) => pattern.test(relative[2]))?.[1];
	if (!count || !unit) return null;
	const at = new Date(Date.UTC(acceptedAt.getUTCFullYear(), acceptedAt.getUTCMonth(), acceptedAt.getUTCDate()));
	if (unit === 'day') at.setUTCDate(at.getUTCDate() + count);
	if (unit === 'week') at.setUTCDate(at.getUTCDate() + 7 * count);
	if (unit === 'month' || unit === 'year') {
		// Three months after 30 November is the end of February, not 2 March.
		const months = at.getUTCMonth() + (unit === 'month' ? count : 12 * count);
		const lastDay = new Date(Date.UTC(at.getUTCFullYear(), months + 1, 0)).getUTCDate();
		return new Date(Date.UTC(at.getUTCFullYear(), months, Math.min(at.getUTCDate(), lastDay)))
			.toISOString()
			.slice(0, 10);
	}
	return at.toISOString().slice(0, 10);
}

function day(year: number, month: number, date: number): string | null {
	const at = new Date(Date.UTC(year, month - 1, date));
	if (at.getUTCFullYear() !== year || at.getUTCMonth() !== month - 1 || at.getUTCDate() !== date) return null;
	return at.toISOString().slice(0, 10);
}
