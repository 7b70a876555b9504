import type { AgreementContent, PlanContent } from './shape';

/**
 * What a plan needs before the family ends its private time (docs/design.md §1): at least one
 * agreement, an evaluation date after today, and an answer to "what if it goes differently".
 * Pure, so the board's checklist and the server's refusal cannot disagree.
 */
export const READINESS_GAPS = ['agreement', 'evaluation', 'evaluation_not_after_today', 'contingency'] as const;
export type ReadinessGap = (typeof READINESS_GAPS)[number];

export type Readiness = {
	ready: boolean;
	/** What blocks "Wij zijn klaar", in checklist order. */
	missing: ReadinessGap[];
	/** Ids of agreements without who or when: they may go ahead, but everyone sees it. */
	notConcrete: string[];
};

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date written as YYYY-MM-DD (what a date input gives), or null. */
export function isoDate(value: string): string | null {
	const trimmed = value.trim();
	const match = ISO_DATE.exec(trimmed);
	if (!match) return null;
	const [year, month, day] = match.slice(1).map(Number);
	const date = new Date(Date.UTC(year, month - 1, day));
	const real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
	return real ? trimmed : null;
}

/**
 * An evaluation as a reader says it: a date in the reader's language ("12 maart 2031"), or the text
 * as it was written (from before the field became a date).
 */
export function evaluationInWords(value: string, locale: string): string {
	const date = isoDate(value);
	if (date === null) return value;
	const [year, month, day] = date.split('-').map(Number);
	return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(
		new Date(Date.UTC(year, month - 1, day))
	);
}

/** Today's date where the conference takes place, as YYYY-MM-DD. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
	// en-CA writes dates as YYYY-MM-DD.
	return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** Where Kring's conferences take place; the evaluation must be after this zone's today. */
export const CONFERENCE_TIME_ZONE = 'Europe/Amsterdam';

/** Whether an agreement says who and when (what it says is its text). */
export function isConcrete(agreement: { who: string[]; when: string }): boolean {
	return agreement.who.length > 0 && agreement.when.trim() !== '';
}

/** What the check reads of a plan: the board hands it only these, so typing a card's text costs nothing. */
export type ReadinessInput = Pick<PlanContent, 'evaluation' | 'contingency'> & {
	agreements: Pick<AgreementContent, 'id' | 'who' | 'when'>[];
};

export function planReadiness(plan: ReadinessInput, today: string): Readiness {
	const missing: ReadinessGap[] = [];
	if (plan.agreements.length === 0) missing.push('agreement');
	const evaluation = isoDate(plan.evaluation);
	if (evaluation === null) missing.push('evaluation');
	else if (evaluation <= today) missing.push('evaluation_not_after_today');
	if (plan.contingency.trim() === '') missing.push('contingency');
	const notConcrete = plan.agreements.filter((agreement) => !isConcrete(agreement)).map((agreement) => agreement.id);
	return { ready: missing.length === 0, missing, notConcrete };
}
