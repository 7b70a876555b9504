import {
	THEMES,
	labelledBriefItems,
	themeOf,
	type BriefContent,
	type LabelledBriefItem,
	type PlanContent,
	type Theme
} from './shape';

export type ScreenAgreement = PlanContent['agreements'][number] & { n: number };
export type BigScreen = {
	themes: { theme: Theme; agreements: ScreenAgreement[] }[];
	groundRules: string[];
	monitor: string;
	evaluation: string;
	contingency: string;
	/** Every concern and condition, with the agreements that answer it written out (none: it stands out). */
	coverage: { item: LabelledBriefItem; answeredBy: ScreenAgreement[] }[];
};

/**
 * The whole plan as the big screen shows it (docs/design.md §7): agreements numbered in the
 * family's order and grouped by theme in the themes' order, and the coverage of every concern and
 * condition. The live plan in the presentation and the frozen one after acceptance go through it.
 */
export function bigScreenOf(
	plan: PlanContent,
	brief: Pick<BriefContent, 'concerns' | 'conditions'> | null,
	label: (kind: 'concern' | 'condition', n: number) => string
): BigScreen {
	const numbered = plan.agreements.map((agreement, i) => ({ ...agreement, n: i + 1 }));
	const themes = THEMES.map((theme) => ({
		theme,
		agreements: numbered.filter((agreement) => themeOf(agreement.theme) === theme)
	})).filter((group) => group.agreements.length > 0);
	const items = brief ? labelledBriefItems({ ...brief, information: '' }, label) : [];
	return {
		themes,
		groundRules: plan.groundRules,
		monitor: plan.monitor,
		evaluation: plan.evaluation,
		contingency: plan.contingency,
		coverage: items.map((item) => ({
			item,
			answeredBy: numbered.filter((agreement) => agreement.answers.includes(item.id))
		}))
	};
}

/** A fingerprint of each agreement and plan-wide part, to see which ones an amendment changed. */
export function partsOf(plan: PlanContent): Map<string, string> {
	const parts = new Map<string, string>();
	for (const a of plan.agreements) {
		// Everything the screen shows of a card: a change to any of it marks the card.
		const { theme, html, who, when, answers, status, checkedBy, onBehalfOf, via, relayedBy } = a;
		parts.set(a.id, JSON.stringify([theme, html, who, when, answers, status, checkedBy, onBehalfOf, via, relayedBy]));
	}
	parts.set('groundRules', JSON.stringify(plan.groundRules));
	parts.set('monitor', plan.monitor);
	parts.set('evaluation', plan.evaluation);
	parts.set('contingency', plan.contingency);
	return parts;
}

/** The parts that are new or differ from before. */
export function changedParts(before: Map<string, string>, after: Map<string, string>): string[] {
	return [...after].filter(([id, value]) => before.get(id) !== value).map(([id]) => id);
}
