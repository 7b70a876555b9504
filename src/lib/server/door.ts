import { and, eq, inArray } from 'drizzle-orm';
import { joinsAtTheDoor } from '$lib/conference/permissions';
import { recordAudit } from './audit';
import type { Conference } from './conferences';
import { getDb, schema } from './db';
import { KringError } from './errors';
import { generateId } from './ids';
import { actorOf, memberCan, type Member, type Participant } from './members';
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
	const status = joinsAtTheDoor(conference.phase) ? 'waiting' : 'active';
	const db = await getDb();
	const participantId = generateId();
	await db.insert(schema.participants).values({
		id: participantId,
		conferenceId: conference.id,
		role: 'family',
		displayName,
		presence: input.presence,
		status
	});
	await recordAudit(
		conference.id,
		{ name: displayName, role: 'family' },
		status === 'active' ? 'participant.joined' : 'participant.waiting'
	);
	runtime().bus.publish({ type: 'status', conferenceId: conference.id });
	return { participantId, status };
}

/** Moves one family device of this conference to another status, if it is in one of `from`; returns its name. */
async function moveFamilyDevice(
	conferenceId: string,
	participantId: string,
	to: Participant['status'],
	from: Participant['status'][]
): Promise<string | null> {
	const db = await getDb();
	const [moved] = await db
		.update(schema.participants)
		.set({ status: to })
		.where(
			and(
				eq(schema.participants.id, participantId),
				eq(schema.participants.conferenceId, conferenceId),
				eq(schema.participants.role, 'family'),
				inArray(schema.participants.status, from)
			)
		)
		.returning({ displayName: schema.participants.displayName });
	return moved?.displayName ?? null;
}

export async function decideAtDoor(
	member: Member,
	participantId: string,
	decision: 'admit' | 'decline'
): Promise<void> {
	if (!memberCan(member, 'decide_at_door')) throw new KringError('not_allowed', 403);
	const conferenceId = member.conference.id;
	const name = await moveFamilyDevice(conferenceId, participantId, decision === 'admit' ? 'active' : 'declined', [
		'waiting'
	]);
	if (name === null) throw new KringError('door_request_gone', 409);
	await recordAudit(conferenceId, actorOf(member), decision === 'admit' ? 'door.admitted' : 'door.declined', name);
	if (decision === 'decline') runtime().bus.publish({ type: 'participant-removed', conferenceId, participantId });
	runtime().bus.publish({ type: 'status', conferenceId });
}

/**
 * Sends a family device away, when the rule book's remove_device lets this member (the family
 * at any time, the coordinator only before private time). Open sockets close at once; the device's session opens nothing any more (it stays only
 * so that the device can be told, once, that it was sent away).
 */
export async function removeParticipant(member: Member, participantId: string): Promise<void> {
	if (!memberCan(member, 'remove_device')) throw new KringError('not_allowed', 403);
	const conferenceId = member.conference.id;
	const name = await moveFamilyDevice(conferenceId, participantId, 'removed', ['active', 'waiting']);
	if (name === null) throw new KringError('participant_unknown', 404);
	await recordAudit(conferenceId, actorOf(member), 'participant.removed', name);
	runtime().bus.publish({ type: 'participant-removed', conferenceId, participantId });
	runtime().bus.publish({ type: 'status', conferenceId });
}
