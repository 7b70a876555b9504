/**
 * Runs in the page before Kring does (context.addInitScript): the browser's speech is replaced by
 * a spy, so a test can read what would have been said, and in which language.
 */
export function spyOnSpeech(): void {
	type Spoken = { text: string; lang: string };
	const spoken: Spoken[] = [];
	(window as unknown as { spoken: Spoken[] }).spoken = spoken;
	if (!('SpeechSynthesisUtterance' in window)) {
		(window as unknown as Record<string, unknown>).SpeechSynthesisUtterance = class {
			lang = '';
			constructor(public text: string) {}
		};
	}
	const synthesis = {
		speak: (utterance: SpeechSynthesisUtterance) => spoken.push({ text: utterance.text, lang: utterance.lang }),
		cancel: () => {},
		getVoices: () => []
	};
	Object.defineProperty(window, 'speechSynthesis', { value: synthesis, configurable: true });
}
