import * as Y from 'yjs';
import { agreementsOf, createAgreement, themeOf, type Theme } from './shape';

/**
 * What the short flow on a phone asks for a new agreement: what, who, when, and which concerns or
 * conditions it answers. Only "what" is needed; the rest can be skipped and filled in on the card.
 */
export type AgreementDraft = { theme: Theme; what: string; who: string[]; when: string; answers: string[] };

/**
 * The theme of a new agreement: the one chosen, else the theme of the first concern it answers
 * (a concern about housing makes a housing agreement), else 'other'.
 */
export function draftTheme(
	chosen: Theme | null,
	answers: readonly string[],
	briefItems: readonly { id: string; theme: string }[]
): Theme {
	if (chosen) return chosen;
	const first = briefItems.find((item) => answers.includes(item.id));
	return first ? themeOf(first.theme) : 'other';
}

/**
 * Adds the agreement to the plan in one change, so every other phone sees it whole: "what" becomes
 * the rich text's paragraphs (one a line), the shape is the one `createAgreement` makes.
 */
export function addDraftAgreement(
	doc: Y.Doc,
	draft: AgreementDraft,
	fields: { createdBy: string; position: string }
): Y.Map<unknown> {
	const agreement = createAgreement({ theme: draft.theme, ...fields });
	doc.transact(() => {
		agreementsOf(doc).push([agreement]);
		const lines = draft.what
			.split('\n')
			.map((line) => line.trim())
			.filter(Boolean);
		(agreement.get('text') as Y.XmlFragment).insert(
			0,
			lines.map((line) => {
				const paragraph = new Y.XmlElement('paragraph');
				paragraph.insert(0, [new Y.XmlText(line)]);
				return paragraph;
			})
		);
		const who = [...new Set(draft.who.map((name) => name.trim()).filter(Boolean))];
		if (who.length) (agreement.get('who') as Y.Array<string>).push(who);
		if (draft.when.trim()) (agreement.get('when') as Y.Text).insert(0, draft.when.trim());
		if (draft.answers.length) (agreement.get('answers') as Y.Array<string>).push([...new Set(draft.answers)]);
	});
	return agreement;
}
