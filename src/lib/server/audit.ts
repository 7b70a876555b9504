import { desc, eq } from 'drizzle-orm';
import { getDb, schema } from './db';

export type AuditAction =
	| 'conference.created'
	| 'phase.changed'
	| 'knock'
	| 'knock.answered'
	| 'participant.joined'
	| 'participant.waiting'
	| 'door.admitted'
	| 'door.declined'
	| 'participant.removed'
	| 'device.confirmed'
	| 'device.confirmed_self'
	| 'device.to_door'
	| 'removal.requested'
	| 'removal.agreed'
	| 'removal.refused'
	| 'connection.revoked'
	| 'invite.created'
	| 'professional.joined'
	| 'plan.accepted'
	| 'acceptance.given'
	| 'card.questioned'
	| 'plan.exported'
	| 'plan.card_binned'
	| 'plan.card_restored'
	| 'plan.item_deleted'
	| 'brief.item_deleted'
	| 'data.exported'
	| 'retention.changed'
	| 'account.created'
	| 'agreement.ticked'
	| 'evaluation.dated'
	| 'evaluation.started'
	| 'plan_link.made'
	| 'plan_link.used'
	| 'plan_link.revoked'
	| 'demo.created';

export type Actor = { name: string; role: string };

/** Per conference, the entry being written last: the next one waits for it. */
const writing = new Map<string | null, Promise<unknown>>();

/**
 * Records what happened and who did it; `detail` never holds a family's content. The entries of
 * one conference are written one after another, in the order they were recorded: two edits stored
 * in one commit (a bin, then a deletion) must not swap places in the log on two pool connections.
 */
export function recordAudit(
	conferenceId: string | null,
	actor: Actor,
	action: AuditAction,
	detail = ''
): Promise<void> {
	const write = async () => {
		const db = await getDb();
		await db.insert(schema.auditLog).values({ conferenceId, actor: actor.name, actorRole: actor.role, action, detail });
	};
	const written = (writing.get(conferenceId) ?? Promise.resolve()).then(write, write);
	writing.set(conferenceId, written);
	const forget = () => {
		if (writing.get(conferenceId) === written) writing.delete(conferenceId);
	};
	written.then(forget, forget);
	return written;
}

export async function listAudit(conferenceId: string, limit = 200) {
	const db = await getDb();
	return db
		.select({
			at: schema.auditLog.at,
			actor: schema.auditLog.actor,
			actorRole: schema.auditLog.actorRole,
			action: schema.auditLog.action,
			detail: schema.auditLog.detail
		})
		.from(schema.auditLog)
		.where(eq(schema.auditLog.conferenceId, conferenceId))
		.orderBy(desc(schema.auditLog.id))
		.limit(limit);
}

export const SYSTEM_ACTOR: Actor = { name: 'Kring', role: 'system' };
