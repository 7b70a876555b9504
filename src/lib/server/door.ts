import { and, count, eq, inArray, isNull, ne } from 'drizzle-orm';
import type { ParticipantStatus } from '$lib/conference/participants';
import { familyCanJoin, joinsAtTheDoor, mayConfirm, maySendAwayAlone } from '$lib/conference/permissions';
import { recordAudit, SYSTEM_ACTOR } from './audit';
import type { Conference } from './conferences';
import { getDb, schema, type Transaction } from './db';
import { KringError } from './errors';
import { generateId } from './ids';
import { actorOf, familyCircle, memberCan, type Member, type Participant } from './members';
import { runtime } from './runtime';

export type JoinResult = { participantId: string; status: 'active' | 'waiting' };

export function validateDisplayName(input: string): string {
	const name = input.replace(/\s+/g, ' ').trim();
	if (!name) throw new KringError('name_required');
	if (name.length > 60) throw new KringError('name_too_long');
	return name;
}

/**
 * A family device joins with a display name. Before private time it is in at once (the
 * coordinator is with the family); from private time on it waits at the door until a family
 * member who is already in lets it in.
 */
export async function joinAsFamily(
	conference: Conference,
	input: { displayName: string; presence: Participant['presence'] }
): Promise<JoinResult> {
	const displayName = validateDisplayName(input.displayName);
	const db = await getDb();
	const participantId = generateId();
	// The phase is read again under a share lock on the conference row: a hand-over at the same
	// moment either waits until this device is in (and then asks the family to confirm it too), or
	// has happened, and the device waits at the door. Never in, unasked, in private time.
	const status = await db.transaction(async (tx) => {
		const [current] = await tx
			.select({ phase: schema.conferences.phase })
			.from(schema.conferences)
			.where(eq(schema.conferences.id, conference.id))
			.for('share');
		if (!current || !familyCanJoin(current.phase)) throw new KringError('room_code_unknown', 404);
		const status = joinsAtTheDoor(current.phase) ? 'waiting' : 'active';
		await tx.insert(schema.participants).values({
			id: participantId,
			conferenceId: conference.id,
			role: 'family',
			displayName,
			presence: input.presence,
			status
		});
		return status;
	});
	await recordAudit(
		conference.id,
		{ name: displayName, role: 'family' },
		status === 'active' ? 'participant.joined' : 'participant.waiting'
	);
	runtime().bus.publish({ type: 'status', conferenceId: conference.id });
	return { participantId, status };
}

/** Moves family devices of this conference to another status, those in one of `from`; returns their names. */
async function moveFamilyDevices(
	conferenceId: string,
	participantIds: string[] | 'all',
	to: ParticipantStatus,
	from: ParticipantStatus[],
	except?: string
): Promise<{ id: string; displayName: string }[]> {
	const db = await getDb();
	return db
		.update(schema.participants)
		.set({ status: to })
		.where(
			and(
				participantIds === 'all' ? undefined : inArray(schema.participants.id, participantIds),
				except ? ne(schema.participants.id, except) : undefined,
				eq(schema.participants.conferenceId, conferenceId),
				eq(schema.participants.role, 'family'),
				inArray(schema.participants.status, from)
			)
		)
		.returning({ id: schema.participants.id, displayName: schema.participants.displayName });
}

export type DoorOutcome = 'admitted' | 'sent_away' | 'removal_requested';

export async function decideAtDoor(
	member: Member,
	participantId: string,
	decision: 'admit' | 'decline'
): Promise<DoorOutcome> {
	if (!memberCan(member, 'decide_at_door')) throw new KringError('not_allowed', 403);
	const conferenceId = member.conference.id;
	if (decision === 'decline') return sendAway(member, participantId, ['waiting'], 'declined');
	const [admitted] = await moveFamilyDevices(conferenceId, [participantId], 'active', ['waiting']);
	if (!admitted) throw new KringError('door_request_gone', 409);
	await recordAudit(conferenceId, actorOf(member), 'door.admitted', admitted.displayName);
	runtime().bus.publish({ type: 'status', conferenceId });
	return 'admitted';
}

/**
 * Sends a family device away, when the rule book's remove_device lets this member (the family
 * at any time, the coordinator only before private time). Open sockets close at once; the device's
 * session opens nothing any more (it stays only so that the device can be told, once, that it was
 * sent away). A family device that has sent one away on its own only asks for the next (§6).
 */
export async function removeParticipant(member: Member, participantId: string): Promise<DoorOutcome> {
	if (!memberCan(member, 'remove_device')) throw new KringError('not_allowed', 403);
	return sendAway(member, participantId, ['active', 'unconfirmed', 'waiting'], 'removed');
}

/**
 * Removing or declining, with the family's second opinion (docs/design.md §6): when another family
 * device already asked to send this one away, this is its agreement; otherwise a family device
 * sends one away on its own (maySendAwayAlone), and for every further one it only asks. Runs under
 * a lock on the member's own row, so that two requests at once cannot both be the free one.
 */
async function sendAway(
	member: Member,
	participantId: string,
	from: ParticipantStatus[],
	to: 'removed' | 'declined'
): Promise<DoorOutcome> {
	const conferenceId = member.conference.id;
	const gone = to === 'declined' ? 'door_request_gone' : 'participant_unknown';
	const db = await getDb();
	const outcome = await db.transaction(async (tx) => {
		await tx
			.select({ id: schema.participants.id })
			.from(schema.participants)
			.where(eq(schema.participants.id, member.participantId))
			.for('update');
		const [subject] = await tx
			.select()
			.from(schema.participants)
			.where(
				and(
					eq(schema.participants.id, participantId),
					eq(schema.participants.conferenceId, conferenceId),
					eq(schema.participants.role, 'family')
				)
			)
			.for('update');
		if (!subject || !from.includes(subject.status)) throw new KringError(gone, to === 'declined' ? 409 : 404);
		const askedBy = subject.removalRequestedBy;
		if (member.role === 'family' && askedBy === member.participantId)
			throw new KringError('removal_already_requested', 409);
		if (member.role === 'family' && askedBy) {
			await sendAwayNow(tx, subject, to, askedBy, member.participantId);
			return { kind: 'agreed' as const, name: subject.displayName };
		}
		const [alone] = await tx
			.select({ n: count() })
			.from(schema.participants)
			.where(
				and(
					eq(schema.participants.conferenceId, conferenceId),
					eq(schema.participants.sentAwayBy, member.participantId),
					isNull(schema.participants.sentAwayWith)
				)
			);
		if (maySendAwayAlone(member.role, alone?.n ?? 0)) {
			await sendAwayNow(tx, subject, to, member.participantId, null);
			return { kind: 'alone' as const, name: subject.displayName };
		}
		await tx
			.update(schema.participants)
			.set({ removalRequestedBy: member.participantId })
			.where(eq(schema.participants.id, subject.id));
		return { kind: 'requested' as const, name: subject.displayName };
	});
	const action =
		outcome.kind === 'requested'
			? 'removal.requested'
			: outcome.kind === 'agreed'
				? 'removal.agreed'
				: to === 'declined'
					? 'door.declined'
					: 'participant.removed';
	await recordAudit(conferenceId, actorOf(member), action, outcome.name);
	if (outcome.kind !== 'requested') runtime().bus.publish({ type: 'participant-removed', conferenceId, participantId });
	runtime().bus.publish({ type: 'status', conferenceId });
	return outcome.kind === 'requested' ? 'removal_requested' : 'sent_away';
}

/** The device goes; whatever it asked to send away stays, unless someone else asks again. */
async function sendAwayNow(
	tx: Transaction,
	subject: Participant,
	to: 'removed' | 'declined',
	by: string,
	agreedBy: string | null
): Promise<void> {
	await tx
		.update(schema.participants)
		.set({ status: to, sentAwayBy: by, sentAwayWith: agreedBy, removalRequestedBy: null })
		.where(eq(schema.participants.id, subject.id));
	await tx
		.update(schema.participants)
		.set({ removalRequestedBy: null })
		.where(
			and(
				eq(schema.participants.conferenceId, subject.conferenceId),
				eq(schema.participants.removalRequestedBy, subject.id)
			)
		);
}

/**
 * Another family device's answer to a request to send a device away: agreeing sends it away (it
 * was asked by one and agreed by another), disagreeing drops the request. Neither the device that
 * asked nor the device it is about may answer.
 */
export async function answerRemoval(member: Member, participantId: string, agree: boolean): Promise<void> {
	if (!memberCan(member, 'answer_removal')) throw new KringError('not_allowed', 403);
	const conferenceId = member.conference.id;
	const db = await getDb();
	const name = await db.transaction(async (tx) => {
		const [subject] = await tx
			.select()
			.from(schema.participants)
			.where(
				and(
					eq(schema.participants.id, participantId),
					eq(schema.participants.conferenceId, conferenceId),
					eq(schema.participants.role, 'family'),
					inArray(schema.participants.status, ['active', 'unconfirmed', 'waiting'])
				)
			)
			.for('update');
		const askedBy = subject?.removalRequestedBy;
		if (!subject || !askedBy) throw new KringError('removal_request_gone', 409);
		if (askedBy === member.participantId || subject.id === member.participantId)
			throw new KringError('not_allowed', 403);
		if (agree)
			await sendAwayNow(
				tx,
				subject,
				subject.status === 'waiting' ? 'declined' : 'removed',
				askedBy,
				member.participantId
			);
		else
			await tx
				.update(schema.participants)
				.set({ removalRequestedBy: null })
				.where(eq(schema.participants.id, subject.id));
		return subject.displayName;
	});
	await recordAudit(conferenceId, actorOf(member), agree ? 'removal.agreed' : 'removal.refused', name);
	if (agree) runtime().bus.publish({ type: 'participant-removed', conferenceId, participantId });
	runtime().bus.publish({ type: 'status', conferenceId });
}

/**
 * At the hand-over, inside its transaction: every family device that is in becomes unconfirmed
 * and receives nothing until another family device confirms it (docs/design.md §6). Returns the
 * devices, whose sockets the caller closes once the transaction is committed.
 */
export async function unconfirmTheCircle(tx: Transaction, conferenceId: string): Promise<string[]> {
	const rows = await tx
		.update(schema.participants)
		.set({ status: 'unconfirmed' })
		.where(
			and(
				eq(schema.participants.conferenceId, conferenceId),
				eq(schema.participants.role, 'family'),
				eq(schema.participants.status, 'active')
			)
		)
		.returning({ id: schema.participants.id });
	return rows.map((row) => row.id);
}

/**
 * A device of the family's circle confirms another one after the hand-over. A device confirms
 * itself only when no other device of the circle could, and only with its own statement
 * (`alone`); see mayConfirm.
 */
export async function confirmDevice(member: Member, participantId: string, alone: boolean): Promise<void> {
	if (!memberCan(member, 'confirm_device')) throw new KringError('not_allowed', 403);
	const conferenceId = member.conference.id;
	const self = participantId === member.participantId;
	const others = (await familyCircle(conferenceId)).filter((device) => device.id !== member.participantId);
	if (!mayConfirm({ self, othersInCircle: others.length, statement: alone }))
		throw new KringError(self ? 'cannot_confirm_self' : 'not_allowed', 403);
	const [confirmed] = await moveFamilyDevices(conferenceId, [participantId], 'active', ['unconfirmed']);
	if (!confirmed) throw new KringError('confirm_gone', 409);
	if (self) await recordAudit(conferenceId, actorOf(member), 'device.confirmed_self');
	else await recordAudit(conferenceId, actorOf(member), 'device.confirmed', confirmed.displayName);
	runtime().bus.publish({ type: 'status', conferenceId });
}

/** "These are all ours": confirms every other unconfirmed device of the circle at once. */
export async function confirmAllOthers(member: Member): Promise<void> {
	if (!memberCan(member, 'confirm_device')) throw new KringError('not_allowed', 403);
	const conferenceId = member.conference.id;
	const confirmed = await moveFamilyDevices(conferenceId, 'all', 'active', ['unconfirmed'], member.participantId);
	for (const device of confirmed)
		await recordAudit(conferenceId, actorOf(member), 'device.confirmed', device.displayName);
	runtime().bus.publish({ type: 'status', conferenceId });
}

/** When private time ends, the devices nobody confirmed go to the door, where the family decides. */
export async function sendTheUnconfirmedToTheDoor(conferenceId: string): Promise<void> {
	const moved = await moveFamilyDevices(conferenceId, 'all', 'waiting', ['unconfirmed']);
	for (const device of moved) await recordAudit(conferenceId, SYSTEM_ACTOR, 'device.to_door', device.displayName);
	if (moved.length > 0) runtime().bus.publish({ type: 'status', conferenceId });
}
