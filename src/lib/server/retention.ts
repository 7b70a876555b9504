import { eq, inArray, max, notInArray } from 'drizzle-orm';
import { can } from '$lib/conference/permissions';
import { DOCUMENTS } from '$lib/conference/phases';
import { recordAudit } from './audit';
import type { Conference } from './conferences';
import { config, DAY_MS, MAX_RETENTION_DAYS } from './config';
import { getDb, schema, type Transaction } from './db';
import { describeError, KringError } from './errors';
import { actorOf, memberCan, type Member } from './members';
import { runtime } from './runtime';

/**
 * What Kring keeps about a conference, and for how long (docs/design.md §7): the working drafts
 * go once the plan is accepted; everything goes some time after closing, or when the family or
 * the coordinator asks for it.
 */

type Kept = Pick<Conference, 'phase' | 'phaseChangedAt' | 'retentionDays'>;

/** How long after closing this conference is kept: its own number of days, else the configured default. */
export function retentionMs(conference: Pick<Conference, 'retentionDays'>): number {
	return conference.retentionDays !== null ? conference.retentionDays * DAY_MS : config().eraseClosedAfterMs;
}

/**
 * When everything about this conference is erased: exactly, once it is closed; at the latest
 * while it is accepted (housekeeping closes it by itself after KRING_CLOSE_ACCEPTED_AFTER_DAYS);
 * not known before acceptance.
 */
export function erasureDate(conference: Kept): { on: Date; latest: boolean } | null {
	const from = conference.phaseChangedAt.getTime();
	if (conference.phase === 'closed') return { on: new Date(from + retentionMs(conference)), latest: false };
	if (conference.phase === 'accepted')
		return { on: new Date(from + config().closeAcceptedAfterMs + retentionMs(conference)), latest: true };
	return null;
}

/** What every board says about erasure: after how many days, and on which date once that is known. */
export function retentionNotice(conference: Kept) {
	const date = erasureDate(conference);
	return {
		days: Math.ceil(retentionMs(conference) / DAY_MS),
		/** Before acceptance: after how many days without a sign of life the conference is erased as abandoned. */
		unfinishedDays: date ? null : Math.ceil(config().eraseUnfinishedAfterMs / DAY_MS),
		erasesOn: date ? date.on.toISOString() : null,
		latest: date?.latest ?? false
	};
}

/** The coordinator sets how many days after closing this conference is kept (1 to 365). */
export async function setRetention(member: Member, input: string): Promise<void> {
	if (!memberCan(member, 'set_retention')) throw new KringError('not_allowed', 403);
	const days = /^\d{1,3}$/.test(input.trim()) ? Number(input.trim()) : NaN;
	if (!(days >= 1 && days <= MAX_RETENTION_DAYS)) throw new KringError('retention_invalid');
	const before = Math.ceil(retentionMs(member.conference) / DAY_MS);
	const db = await getDb();
	await db
		.update(schema.conferences)
		.set({ retentionDays: days })
		.where(eq(schema.conferences.id, member.conference.id));
	await recordAudit(member.conference.id, actorOf(member), 'retention.changed', `${before} → ${days}`);
	runtime().bus.publish({ type: 'status', conferenceId: member.conference.id });
}

/**
 * Erases every row about one conference in one transaction: the sessions of its participants,
 * the document updates and snapshots, the frozen versions, the invites, the log, the participants,
 * and the conference row itself last. No tombstone stays: a row saying "this conference was here"
 * would keep a trace nobody needs (ids are random and never reused, and its links lead nowhere).
 *
 * The conference row is locked first. A row that refers to it and was committed before the lock is
 * deleted below; one written after it waits for the lock and then fails its foreign key (an edit
 * arriving at that moment is refused, not stored). `stillAllowed` is asked again under the lock, so
 * that two instances, or a retention extended a moment ago, do not erase twice or too soon.
 *
 * Then every open socket and board of the conference is closed, on every instance, by the same
 * message a removed device gets: its boards learn that it is gone and wipe the device's copies.
 */
export async function eraseConference(
	conferenceId: string,
	stillAllowed: (conference: Conference, tx: Transaction) => boolean | Promise<boolean>
): Promise<boolean> {
	const db = await getDb();
	const participantIds = await db.transaction(async (tx) => {
		const [conference] = await tx
			.select()
			.from(schema.conferences)
			.where(eq(schema.conferences.id, conferenceId))
			.for('update');
		if (!conference || !(await stillAllowed(conference, tx))) return null;
		const participants = await tx
			.select({ id: schema.participants.id })
			.from(schema.participants)
			.where(eq(schema.participants.conferenceId, conferenceId));
		const ids = participants.map((participant) => participant.id);
		if (ids.length > 0) await tx.delete(schema.sessions).where(inArray(schema.sessions.participantId, ids));
		await tx.delete(schema.docUpdates).where(eq(schema.docUpdates.conferenceId, conferenceId));
		await tx.delete(schema.docSnapshots).where(eq(schema.docSnapshots.conferenceId, conferenceId));
		await tx.delete(schema.docQuarantine).where(eq(schema.docQuarantine.conferenceId, conferenceId));
		await tx.delete(schema.planVersions).where(eq(schema.planVersions.conferenceId, conferenceId));
		await tx.delete(schema.agreementTicks).where(eq(schema.agreementTicks.conferenceId, conferenceId));
		await tx.delete(schema.planLinks).where(eq(schema.planLinks.conferenceId, conferenceId));
		await tx.delete(schema.invites).where(eq(schema.invites.conferenceId, conferenceId));
		await tx.delete(schema.auditLog).where(eq(schema.auditLog.conferenceId, conferenceId));
		await tx.delete(schema.participants).where(eq(schema.participants.conferenceId, conferenceId));
		await tx.delete(schema.conferences).where(eq(schema.conferences.id, conferenceId));
		return ids;
	});
	if (participantIds === null) return false;
	const { bus } = runtime();
	for (const participantId of participantIds) bus.publish({ type: 'participant-removed', conferenceId, participantId });
	return true;
}

/**
 * A member asks for everything to be erased (`erase`: the family once the plan is accepted, the
 * coordinator once the conference is closed), having confirmed that it cannot be undone.
 */
export async function eraseOnRequest(member: Member, confirmed: boolean): Promise<void> {
	if (!memberCan(member, 'erase')) throw new KringError('not_allowed', 403);
	if (!confirmed) throw new KringError('erase_not_confirmed');
	const erased = await eraseConference(member.conference.id, (current) => can(member.role, current.phase, 'erase'));
	if (erased) console.log(`[kring] erased conference ${member.conference.id} at the ${member.role}'s request`);
}

/**
 * Housekeeping: every closed conference whose retention has passed is erased. Safe on several
 * instances: each erasure locks its conference and checks again that it is due.
 */
export async function eraseExpiredConferences(now = Date.now()): Promise<number> {
	const db = await getDb();
	const closed = await db
		.select({
			id: schema.conferences.id,
			phase: schema.conferences.phase,
			phaseChangedAt: schema.conferences.phaseChangedAt,
			retentionDays: schema.conferences.retentionDays
		})
		.from(schema.conferences)
		.where(eq(schema.conferences.phase, 'closed'));
	const isDue = (conference: Kept) => {
		const date = erasureDate(conference);
		return date !== null && !date.latest && date.on.getTime() <= now;
	};
	let erased = 0;
	for (const conference of closed.filter(isDue)) {
		if (!(await eraseConference(conference.id, isDue))) continue;
		console.log(`[kring] erased conference ${conference.id}: its retention period ended`);
		erased++;
	}
	return erased;
}

/**
 * The last sign of life of a conference: its last phase change, log entry (a join, a door
 * decision, an invite), stored edit or compaction. Read inside the erasing transaction, after the
 * conference row is locked: an edit stored from then on waits for the lock (its foreign key).
 */
async function lastActivity(tx: Transaction, conference: Pick<Conference, 'id' | 'phaseChangedAt'>): Promise<number> {
	const id = conference.id;
	const [logged] = await tx
		.select({ at: max(schema.auditLog.at) })
		.from(schema.auditLog)
		.where(eq(schema.auditLog.conferenceId, id));
	const [edited] = await tx
		.select({ at: max(schema.docUpdates.createdAt) })
		.from(schema.docUpdates)
		.where(eq(schema.docUpdates.conferenceId, id));
	const [compacted] = await tx
		.select({ at: max(schema.docSnapshots.updatedAt) })
		.from(schema.docSnapshots)
		.where(eq(schema.docSnapshots.conferenceId, id));
	const times = [logged?.at, edited?.at, compacted?.at].map((at) => (at ? new Date(at).getTime() : 0));
	return Math.max(conference.phaseChangedAt.getTime(), ...times);
}

/**
 * Housekeeping: a conference never accepted that has shown no sign of life for
 * KRING_ERASE_UNFINISHED_AFTER_DAYS is abandoned (a family that stopped, a coordinator who forgot
 * it), and is erased: without this rule, a conference that never reaches acceptance would be
 * kept for ever (docs/design.md §7).
 */
export async function eraseAbandonedConferences(now = Date.now()): Promise<number> {
	const db = await getDb();
	const cutoff = now - config().eraseUnfinishedAfterMs;
	const unfinished = await db
		.select({ id: schema.conferences.id, phaseChangedAt: schema.conferences.phaseChangedAt })
		.from(schema.conferences)
		.where(notInArray(schema.conferences.phase, ['accepted', 'closed']));
	let erased = 0;
	for (const candidate of unfinished) {
		if (candidate.phaseChangedAt.getTime() > cutoff) continue;
		const abandoned = async (conference: Conference, tx: Transaction) =>
			conference.phase !== 'accepted' &&
			conference.phase !== 'closed' &&
			(await lastActivity(tx, conference)) <= cutoff;
		if (!(await eraseConference(candidate.id, abandoned))) continue;
		console.log(
			`[kring] erased conference ${candidate.id}: never accepted, and no sign of life for as long as an unfinished conference is kept`
		);
		erased++;
	}
	return erased;
}

/**
 * Once a plan is accepted its documents are only read: each one's update log is folded into a
 * single snapshot with Yjs garbage collection on, so deleted text and the keystroke history are
 * gone and what remains is the content of the frozen version.
 */
export async function compactFrozenDocuments(conferenceId: string): Promise<void> {
	for (const documentName of DOCUMENTS) {
		// The plan's bin is emptied for good: a card can be put back only until acceptance.
		await runtime()
			.docStore.compact(conferenceId, documentName, documentName === 'plan' ? 'emptyTheBin' : undefined)
			.catch((error: Error) =>
				console.error(`[kring] compaction of ${conferenceId}/${documentName} failed:`, describeError(error))
			);
	}
}

/** Housekeeping: folds away any update still logged for an accepted or closed conference. */
export async function compactAllFrozenDocuments(): Promise<void> {
	const db = await getDb();
	const rows = await db
		.selectDistinct({ conferenceId: schema.docUpdates.conferenceId })
		.from(schema.docUpdates)
		.innerJoin(schema.conferences, eq(schema.docUpdates.conferenceId, schema.conferences.id))
		.where(inArray(schema.conferences.phase, ['accepted', 'closed']));
	for (const { conferenceId } of rows) await compactFrozenDocuments(conferenceId);
}
