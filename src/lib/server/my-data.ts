import { asc, eq } from 'drizzle-orm';
import * as Y from 'yjs';
import type { DocumentName } from '$lib/conference/phases';
import { translator, type Locale, type MessageKey } from '$lib/i18n';
import { auditDetail } from '$lib/i18n/audit-detail';
import { catalogueOf } from '$lib/i18n/catalogues.server';
import { labelledBriefItems, readBrief, readPlan } from '$lib/plan/shape';
import { recordAudit } from './audit';
import { getDb, schema } from './db';
import { KringError } from './errors';
import { actorOf, documentAccess, memberCan, type Member } from './members';
import { parseFrozen } from './plan-versions';
import { retentionNotice } from './retention';
import { runtime } from './runtime';

/**
 * Everything Kring holds about one conference, for the family to take along (`download_my_data`):
 * the conference, the brief, the plan as it is now and every accepted version, everyone who took
 * part, the invitations and the log. Words are in the reader's language where Kring has them.
 * Left out on purpose: what opens a door (invite tokens, the room code, sessions), and staff's
 * email addresses, which are theirs and not the family's.
 */
export async function exportMyData(member: Member, locale: Locale) {
	if (!memberCan(member, 'download_my_data')) throw new KringError('not_allowed', 403);
	const t = translator(locale, catalogueOf(locale));
	const { conference } = member;
	// Logged first, so that the download finds itself in the log it hands over.
	await recordAudit(conference.id, actorOf(member), 'data.exported');
	const db = await getDb();
	const [participants, invites, versions, log, ticks, planLinks] = await Promise.all([
		db
			.select()
			.from(schema.participants)
			.where(eq(schema.participants.conferenceId, conference.id))
			.orderBy(asc(schema.participants.createdAt)),
		db
			.select()
			.from(schema.invites)
			.where(eq(schema.invites.conferenceId, conference.id))
			.orderBy(asc(schema.invites.createdAt)),
		db
			.select()
			.from(schema.planVersions)
			.where(eq(schema.planVersions.conferenceId, conference.id))
			.orderBy(asc(schema.planVersions.version)),
		db
			.select()
			.from(schema.auditLog)
			.where(eq(schema.auditLog.conferenceId, conference.id))
			.orderBy(asc(schema.auditLog.id)),
		db.select().from(schema.agreementTicks).where(eq(schema.agreementTicks.conferenceId, conference.id)),
		db.select().from(schema.planLinks).where(eq(schema.planLinks.conferenceId, conference.id))
	]);
	const names = new Map(participants.map((participant) => [participant.id, participant.displayName]));
	const retention = retentionNotice(conference);
	const brief = documentAccess(member, 'brief') !== 'none' ? readBrief(await liveDoc(member, 'brief')) : null;
	const plan = documentAccess(member, 'plan') !== 'none' ? readPlan(await liveDoc(member, 'plan')) : null;
	const briefItems = brief ? labelledBriefItems(brief, (kind, n) => t(`board.${kind}_label`, { n })) : [];
	const labels = new Map(briefItems.map((item) => [item.id, item.label]));
	const roleName = (role: string) => (role === 'system' ? 'Kring' : t(`role.${role}` as MessageKey));

	return {
		about: t('my_data.about'),
		downloadedAt: new Date().toISOString(),
		downloadedBy: member.name,
		conference: {
			title: conference.title,
			question: conference.question,
			language: conference.language,
			phase: t(`phase.${conference.phase}` as MessageKey),
			phaseSince: conference.phaseChangedAt.toISOString(),
			createdAt: conference.createdAt.toISOString(),
			erasedDaysAfterClosing: retention.days,
			erasedOn: retention.erasesOn,
			erasedOnIsTheLatestDate: retention.latest
		},
		brief: brief && {
			items: briefItems.map((item) => ({
				label: item.label,
				by: item.by,
				theme: t(`theme.${item.theme}` as MessageKey),
				text: item.text
			})),
			informationHtml: brief.information
		},
		plan: plan && {
			agreements: plan.agreements.map((agreement) => ({
				theme: t(`theme.${agreement.theme}` as MessageKey),
				text: agreement.text,
				who: agreement.who,
				when: agreement.when,
				answers: agreement.answers.map((id) => labels.get(id) ?? id)
			})),
			groundRules: plan.groundRules,
			monitor: plan.monitor,
			evaluation: plan.evaluation,
			contingency: plan.contingency
		},
		acceptedVersions: versions.map((version) => ({
			version: version.version,
			acceptedAt: version.acceptedAt.toISOString(),
			acceptedBy: version.acceptedBy,
			acceptedByRole: roleName(version.acceptedByRole),
			conditions: version.conditions,
			sha256: version.sha256,
			frozen: parseFrozen(version.content)
		})),
		// The follow-up of the accepted plan (docs/design.md §7): which agreements are done, and the evaluation day.
		followUp: {
			evaluationOn: conference.evaluationOn,
			ticks: ticks.map((tick) => ({
				version: tick.version,
				agreement: tick.agreementId,
				state: t(tick.state === 'done' ? 'follow_up.done' : 'follow_up.not_yet'),
				note: tick.note,
				by: tick.byName,
				at: tick.at.toISOString()
			}))
		},
		// Who has a link of their own back to the plan; never the link itself (Kring keeps only its hash).
		planLinks: planLinks.map((link) => ({
			of: names.get(link.participantId) ?? null,
			madeAt: link.createdAt.toISOString(),
			lastUsedAt: link.lastUsedAt?.toISOString() ?? null,
			revokedAt: link.revokedAt?.toISOString() ?? null
		})),
		participants: participants.map((participant) => ({
			name: participant.displayName,
			role: roleName(participant.role),
			presence: participant.role === 'family' ? t(`presence.${participant.presence}` as MessageKey) : null,
			status: t(`my_data.status.${participant.status}` as MessageKey),
			since: participant.createdAt.toISOString()
		})),
		invites: invites.map((invite) => ({
			for: roleName(invite.role),
			name: invite.name,
			createdAt: invite.createdAt.toISOString(),
			expiresAt: invite.expiresAt.toISOString(),
			usedAt: invite.usedAt?.toISOString() ?? null
		})),
		log: log.map((entry) => ({
			at: entry.at.toISOString(),
			who: entry.actor,
			role: roleName(entry.actorRole),
			what: t(`audit.${entry.action}` as MessageKey),
			detail: auditDetail(t, entry.action, entry.detail)
		}))
	};
}

export type MyData = Awaited<ReturnType<typeof exportMyData>>;

async function liveDoc(member: Member, documentName: DocumentName): Promise<Y.Doc> {
	const doc = new Y.Doc();
	const state = await runtime().docStore.loadState(member.conference.id, documentName);
	if (state) Y.applyUpdate(doc, state);
	return doc;
}
