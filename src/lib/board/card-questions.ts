import { getContext, setContext } from 'svelte';

/** A professional's open question on one agreement card (docs/design.md §7), as the board data has it. */
export type CardQuestion = { id: string; agreementId: string; by: string; reason: string; mine: boolean };

/**
 * What every agreement card needs to show questions: the board's open questions and whether the
 * viewer may ask one (the rule book's `question_card`, from `board.actions`). Handed down as
 * context, so the plan's components in between need not carry it.
 */
export type CardQuestions = { readonly questions: CardQuestion[]; readonly canAsk: boolean };

const KEY = Symbol('card-questions');

export function provideCardQuestions(questions: CardQuestions): void {
	setContext(KEY, questions);
}

export function cardQuestions(): CardQuestions {
	return getContext<CardQuestions | undefined>(KEY) ?? { questions: [], canAsk: false };
}
