import type { Role } from '$lib/conference/phases';
import {
	labelledBriefItems,
	type AgreementContent,
	type FrozenPerson,
	type FrozenPlan,
	type LabelledBriefItem
} from './shape';

export type WrittenOutAgreement = AgreementContent & {
	/** The concerns and conditions this agreement answers, with their labels and text. */
	answered: LabelledBriefItem[];
};

/**
 * The accepted plan as a reader needs it on paper: every concern and condition with its label
 * (Z1, V1 in Dutch), and every agreement with the items it answers written out, not only "Z1".
 * The print view and the PDF both show this, so they cannot say different things.
 */
export type WrittenOutPlan = {
	concerns: LabelledBriefItem[];
	conditions: LabelledBriefItem[];
	agreements: WrittenOutAgreement[];
	/** Family first, then staff; null for a version frozen before Kring kept who took part. */
	people: FrozenPerson[] | null;
};

const ROLE_ORDER: Record<Role, number> = { family: 0, professional: 1, coordinator: 2 };

export function writtenOut(
	plan: FrozenPlan,
	label: (kind: 'concern' | 'condition', n: number) => string
): WrittenOutPlan {
	const items = labelledBriefItems(plan.brief, label);
	const byId = new Map(items.map((item) => [item.id, item]));
	return {
		concerns: items.filter((item) => item.kind === 'concern'),
		conditions: items.filter((item) => item.kind === 'condition'),
		agreements: plan.plan.agreements.map((agreement) => ({
			...agreement,
			answered: agreement.answers.flatMap((id) => byId.get(id) ?? [])
		})),
		people: plan.people
			? [...plan.people, ...byVideoVisit(plan, plan.people)].sort(
					(a, b) => (ROLE_ORDER[a.role] ?? 3) - (ROLE_ORDER[b.role] ?? 3)
				)
			: null
	};
}

/**
 * People without a device who took part by video visit through a relative (the plan's circle):
 * they were there too, though no device of theirs was.
 */
function byVideoVisit(plan: FrozenPlan, people: FrozenPerson[]): FrozenPerson[] {
	const known = new Set(people.map((person) => person.name));
	return (plan.plan.circle ?? [])
		.filter((person) => person.presence === 'video-visit' && !known.has(person.name))
		.map((person) => ({ name: person.name, role: 'family', presence: 'video-visit' }));
}

/** A label before its value: "Wie:", but "Neye cevap veriyor?" stays as it is. */
export function asLabel(text: string): string {
	return /[:?؟…]$/.test(text.trim()) ? text : `${text}:`;
}

/** Paragraphs and list items of an agreement's rich text (fragmentToHtml's fixed tags), as plain text. */
export function htmlBlocks(html: string): { text: string; bullet: string | null }[] {
	const blocks: { text: string; bullet: string | null }[] = [];
	const lists: { ordered: boolean; n: number }[] = [];
	let text = '';
	let bullet: string | null = null;
	const flush = () => {
		const clean = decodeEntities(text).trim();
		if (clean) blocks.push({ text: clean, bullet });
		text = '';
		bullet = null;
	};
	for (const part of html.split(/(<[^>]+>)/)) {
		const tag = /^<(\/?)([a-z0-9]+)>$/.exec(part);
		if (!tag) {
			text += part;
			continue;
		}
		const [, closing, name] = tag;
		if (name === 'br') text += '\n';
		else if (name === 'ul' || name === 'ol') {
			flush();
			if (closing) lists.pop();
			else lists.push({ ordered: name === 'ol', n: 0 });
		} else if (name === 'li' && !closing) {
			flush();
			const list = lists.at(-1);
			if (list) bullet = list.ordered ? `${++list.n}.` : '•';
		} else if (['p', 'h3', 'blockquote', 'li'].includes(name)) {
			const keep: string | null = bullet;
			flush();
			// A list item's first paragraph carries its bullet.
			if (!closing && name === 'p') bullet = keep;
		}
	}
	flush();
	return blocks;
}

function decodeEntities(text: string): string {
	return text
		.replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
		.replace(/&(amp|lt|gt|quot);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"' })[name] ?? '');
}
