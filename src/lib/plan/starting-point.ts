import * as Y from 'yjs';
import {
	agreementsOf,
	concernsOf,
	conditionsOf,
	createAgreement,
	createBriefItem,
	createGroundRule,
	groundRulesOf,
	metaText,
	META_FIELDS,
	type MetaField
} from './shape';

/** A brief item or agreement as plain data, to write into a new document. */
export type StartingBriefItem = { id: string; by: string; theme: string; text: string };
export type StartingAgreement = {
	theme: string;
	who: string[];
	when: string;
	answers: string[];
	/** One string per paragraph. */
	paragraphs: string[];
	createdBy: string;
};
export type StartingPlan = {
	agreements: StartingAgreement[];
	groundRules: string[];
} & Record<MetaField, string>;

/**
 * Writes concerns and conditions into an empty brief, keeping their ids so that agreements that
 * answer them still point at them (an evaluation conference, docs/design.md §7; the demo).
 */
export function writeBrief(doc: Y.Doc, brief: { concerns: StartingBriefItem[]; conditions: StartingBriefItem[] }) {
	doc.transact(() => {
		for (const [list, items] of [
			[concernsOf(doc), brief.concerns],
			[conditionsOf(doc), brief.conditions]
		] as const) {
			for (const item of items) {
				const map = createBriefItem({ author: { name: item.by }, theme: item.theme, text: item.text });
				map.set('id', item.id);
				list.push([map]);
			}
		}
	});
}

/** Writes a plan into an empty plan document, each agreement's text as plain paragraphs. */
export function writePlan(doc: Y.Doc, plan: StartingPlan) {
	doc.transact(() => {
		for (const agreement of plan.agreements) {
			const map = createAgreement({ theme: agreement.theme, createdBy: agreement.createdBy });
			agreementsOf(doc).push([map]);
			(map.get('who') as Y.Array<string>).push(agreement.who);
			(map.get('answers') as Y.Array<string>).push(agreement.answers);
			(map.get('when') as Y.Text).insert(0, agreement.when);
			const fragment = map.get('text') as Y.XmlFragment;
			fragment.insert(
				0,
				agreement.paragraphs.map((text) => {
					const paragraph = new Y.XmlElement('paragraph');
					paragraph.insert(0, [new Y.XmlText(text)]);
					return paragraph;
				})
			);
		}
		for (const rule of plan.groundRules) groundRulesOf(doc).push([createGroundRule(rule)]);
		for (const field of META_FIELDS) if (plan[field]) metaText(doc, field).insert(0, plan[field]);
	});
}
