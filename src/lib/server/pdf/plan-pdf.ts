import { isRole } from '$lib/conference/phases';
import { directionOf, translator, type Locale, type MessageKey, type Translate } from '$lib/i18n';
import { catalogueOf } from '$lib/i18n/catalogues.server';
import { asLabel, htmlBlocks, writtenOut, type WrittenOutAgreement } from '$lib/plan/accepted';
import { evaluationInWords } from '$lib/plan/readiness';
import { THEMES, type FrozenPerson, type FrozenPlan, type LabelledBriefItem } from '$lib/plan/shape';
import type { Piece } from './bidi-lines';
import { MARKER_WIDTH, PdfWriter } from './writer';

/** The family's own words keep their own direction inside a sentence of Kring's (U+2068…U+2069). */
const own = (text: string) => `\u2068${text}\u2069`;
const INDENT = 16;

/**
 * The accepted plan as a PDF, in the reader's language for Kring's own words; the family's words
 * stay as they were written. Made only from the frozen version, so it says what was accepted.
 */
export async function planPdf(frozen: FrozenPlan, sha256: string, locale: Locale): Promise<Buffer> {
	const t = translator(locale, catalogueOf(locale));
	const plan = writtenOut(frozen, (kind, n) => t(`board.${kind}_label`, { n }));
	const pdf = new PdfWriter({
		direction: directionOf(locale),
		lang: locale,
		title: `${frozen.conferenceTitle} · ${t('accepted.title', { version: frozen.version })}`,
		subject: frozen.question
	});
	const acceptedAt = new Date(frozen.acceptedAt);

	pdf.block([{ text: frozen.conferenceTitle, style: 'bold' }], { size: 20, direction: 'auto', after: 2 });
	pdf.block([{ text: t('accepted.title', { version: frozen.version }), style: 'bold' }], {
		size: 13,
		color: '#2f5d50'
	});
	pdf.block(labelled(t('accepted.date'), formatDate(acceptedAt, locale, false)));

	heading(pdf, t('board.question'));
	pdf.block([{ text: frozen.question }], { direction: 'auto' });

	if (plan.people?.length) {
		heading(pdf, t('accepted.people'));
		for (const person of plan.people) pdf.block([{ text: personLine(person, t) }], { after: 2 });
	}

	if (plan.concerns.length) {
		heading(pdf, t('board.concerns'));
		for (const item of plan.concerns) briefItem(pdf, item, t);
	}
	if (plan.conditions.length) {
		heading(pdf, t('board.conditions'));
		for (const item of plan.conditions) briefItem(pdf, item, t);
	}

	heading(pdf, t('plan.agreements'));
	plan.agreements.forEach((agreement, i) => agreementBlock(pdf, agreement, i + 1, t));

	if (frozen.plan.groundRules.length) {
		heading(pdf, t('plan.ground_rules'));
		for (const rule of frozen.plan.groundRules)
			pdf.block([{ text: rule }], { direction: 'auto', marker: { text: '•' }, after: 3 });
	}
	for (const field of ['monitor', 'evaluation', 'contingency'] as const) {
		if (!frozen.plan[field].trim()) continue;
		pdf.space(4, 40);
		pdf.block([{ text: t(`plan.${field}`), style: 'bold' }], { after: 2 });
		const text = field === 'evaluation' ? evaluationInWords(frozen.plan[field], locale) : frozen.plan[field];
		pdf.block([{ text }], { direction: 'auto', indent: INDENT });
	}
	if (frozen.conditions.trim()) {
		heading(pdf, t('accepted.conditions'));
		pdf.block([{ text: frozen.conditions }], { direction: 'auto' });
	}

	pdf.space(10, 70);
	pdf.rule();
	pdf.block([
		{
			text: t('accepted.by_role', {
				name: frozen.acceptedBy,
				role: roleName(frozen.acceptedByRole, t),
				date: formatDate(acceptedAt, locale, true)
			})
		}
	]);
	pdf.block([{ text: t('accepted.title', { version: frozen.version }) }], { after: 2 });
	pdf.block([{ text: asLabel(t('accepted.hash')), style: 'bold' }], { size: 9, after: 0 });
	pdf.block([{ text: sha256 }], { size: 9, direction: 'ltr' });

	return pdf.finish((page, pages) => [
		{ text: t('accepted.footer', { title: frozen.conferenceTitle, version: frozen.version, page, pages }) }
	]);
}

function heading(pdf: PdfWriter, text: string): void {
	pdf.space(8, 60);
	pdf.block([{ text, style: 'bold' }], { size: 14, after: 0 });
	pdf.rule();
}

function labelled(label: string, value: string): Piece[] {
	return [{ text: `${asLabel(label)} `, style: 'bold' }, { text: own(value) }];
}

/** "Z1  Moeder is psychiatrisch patiënt." and, smaller, its theme and who wrote it. */
function briefItem(pdf: PdfWriter, item: LabelledBriefItem, t: Translate): void {
	pdf.block([{ text: item.text }], { direction: 'auto', marker: { text: item.label, style: 'bold' }, after: 0 });
	const about = [
		item.kind === 'concern' ? themeName(item.theme, t) : null,
		item.by ? `${t('board.by')} ${own(item.by)}` : null
	]
		.filter((part): part is string => part !== null)
		.join(' · ');
	if (about) pdf.block([{ text: about }], { size: 9, color: '#555555', indent: MARKER_WIDTH, after: 6 });
	else pdf.space(6);
}

function agreementBlock(pdf: PdfWriter, agreement: WrittenOutAgreement, n: number, t: Translate): void {
	pdf.space(4, 60);
	pdf.block([{ text: `${n}.  ${themeName(agreement.theme, t)}`, style: 'bold' }], { size: 12, after: 2 });
	for (const block of htmlBlocks(agreement.html))
		for (const line of block.text.split('\n'))
			pdf.block([{ text: line }], {
				direction: 'auto',
				indent: INDENT,
				marker: block.bullet ? { text: block.bullet } : undefined,
				after: 3
			});
	if (agreement.who.length) pdf.block(labelled(t('plan.who'), agreement.who.join(', ')), { indent: INDENT, after: 2 });
	if (agreement.when.trim()) pdf.block(labelled(t('plan.when'), agreement.when), { indent: INDENT, after: 2 });
	if (agreement.checkedBy?.trim())
		pdf.block(labelled(t('plan.checked_by'), agreement.checkedBy), { indent: INDENT, after: 2 });
	if (agreement.answered.length) {
		pdf.block([{ text: asLabel(t('plan.answers')), style: 'bold' }], { indent: INDENT, after: 1 });
		for (const item of agreement.answered)
			pdf.block([{ text: item.text }], {
				size: 10,
				direction: 'auto',
				indent: INDENT,
				marker: { text: item.label, style: 'bold' },
				after: 2
			});
	}
	pdf.space(6);
}

function personLine(person: FrozenPerson, t: Translate): string {
	const how = person.role === 'family' && person.presence ? t(`presence.${person.presence}`) : roleName(person.role, t);
	return t('accepted.person', { name: person.name, how });
}

function roleName(role: string, t: Translate): string {
	return isRole(role) ? t(`role.${role}`) : role;
}

function themeName(theme: string, t: Translate): string {
	return t(`theme.${(THEMES as readonly string[]).includes(theme) ? theme : 'other'}` as MessageKey);
}

function formatDate(date: Date, locale: Locale, withTime: boolean): string {
	// The server's own time zone, named, so the time is never read as another zone's.
	return (
		new Intl.DateTimeFormat(locale, {
			dateStyle: 'long',
			...(withTime ? { timeStyle: 'short' } : {})
		}).format(date) + (withTime ? ` (${timeZoneName(date, locale)})` : '')
	);
}

function timeZoneName(date: Date, locale: Locale): string {
	return (
		new Intl.DateTimeFormat(locale, { timeZoneName: 'short' })
			.formatToParts(date)
			.find((p) => p.type === 'timeZoneName')?.value ?? ''
	);
}
