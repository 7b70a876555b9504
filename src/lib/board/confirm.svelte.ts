import { getContext, setContext } from 'svelte';

/**
 * One question at a time, asked in the board's own dialog (ConfirmDialog.svelte, a native
 * <dialog>: focus stays in it, Escape says no) before a step that ends something for everyone.
 * The message names the consequence in plain words; the safe answer has the focus.
 */
export class Confirmation {
	message = $state<string | null>(null);
	yes = $state<string | null>(null);
	private answer: ((ok: boolean) => void) | null = null;

	ask(message: string, yes: string | null = null): Promise<boolean> {
		this.answer?.(false);
		this.message = message;
		this.yes = yes;
		return new Promise((resolve) => (this.answer = resolve));
	}

	settle(ok: boolean): void {
		const answer = this.answer;
		this.answer = null;
		this.message = null;
		answer?.(ok);
	}
}

const KEY = Symbol('confirmation');

/** The board makes one Confirmation for everything on it and shows its dialog. */
export function provideConfirmation(): Confirmation {
	return setContext(KEY, new Confirmation());
}

/** Asks the board's dialog; a view outside the board falls back to the browser's own question. */
export function useConfirmation(): (message: string, yes?: string) => Promise<boolean> {
	const confirmation = getContext<Confirmation | undefined>(KEY);
	return (message, yes) => (confirmation ? confirmation.ask(message, yes ?? null) : Promise.resolve(confirm(message)));
}

type EnhanceInput = { cancel: () => void; formElement: HTMLFormElement; submitter: HTMLElement | null };

/**
 * For `use:enhance`: the form is held back, the question asked, and the form sent again (with the
 * same button) once it is answered yes. `ask` returns null when this submission needs no question.
 * Without JavaScript the form is sent as before.
 */
export function confirmBeforeSubmit(ask: (input: EnhanceInput) => Promise<boolean> | null) {
	let confirmed = false;
	return (input: EnhanceInput) => {
		if (confirmed) {
			confirmed = false;
			return;
		}
		const question = ask(input);
		if (question === null) return;
		input.cancel();
		void question.then((ok) => {
			if (!ok) return;
			confirmed = true;
			input.formElement.requestSubmit(input.submitter ?? undefined);
		});
	};
}
