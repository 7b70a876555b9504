import { error, redirect } from '@sveltejs/kit';
import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import { access, type Access } from '$lib/conference/access';
import { memberCan } from '$lib/conference/permissions';
import type { DocumentName, Phase, Role } from '$lib/conference/phases';
import type { Actor } from './audit';
import { getDb, schema } from './db';
import type { Conference, Participant } from './db/schema';
import type { ConferenceStanding } from './live-status';
import type { Identity } from './sessions';

export type { Participant };

/** A person's standing in one conference: what the rule book needs, and who they are. */
export type Member = {
	conference: Conference;
	role: Role;
	participantId: string;
	name: string;
	status: Participant['status'];
};

export function actorOf(member: Pick<Member, 'name' | 'role'>): Actor {
	return { name: member.name, role: member.role };
}

export { memberCan };

export function documentAccess(member: Member, document: DocumentName): Access {
	if (member.status !== 'active') return 'none';
	return access(member.role, member.conference.phase, document);
}

/** Who this identity is in this conference, or null when they have no place in it. */
export async function resolveMember(identity: Identity | null, conferenceId: string): Promise<Member | null> {
	if (!identity) return null;
	if (identity.kind === 'family' && identity.conferenceId !== conferenceId) return null;
	const db = await getDb();
	const { conferences, participants } = schema;
	// One query, conference and place together: it is read twice for every live connection that opens.
	const place =
		identity.kind === 'family'
			? eq(participants.id, identity.participantId)
			: and(
					eq(participants.conferenceId, conferenceId),
					eq(participants.userId, identity.userId),
					eq(participants.status, 'active')
				);
	const [row] = await db
		.select({ conference: conferences, participant: participants })
		.from(conferences)
		.leftJoin(participants, place)
		.where(eq(conferences.id, conferenceId))
		.limit(1);
	if (!row) return null;
	const { conference, participant } = row;
	if (identity.kind === 'family') {
		if (!participant || participant.status === 'removed' || participant.status === 'declined') return null;
		return {
			conference,
			role: 'family',
			participantId: participant.id,
			name: participant.displayName,
			status: participant.status
		};
	}
	if (!participant || participant.role === 'family') return null;
	return {
		conference,
		role: participant.role,
		participantId: participant.id,
		name: participant.displayName,
		status: 'active'
	};
}

/** What the lease reads of one conference: its phase with its version, and the standing of some sessions. */
export type PlacesHeld = { phase: Phase; version: number; signedIn: Set<string>; holding: Set<string> };

/**
 * What the live connections' lease reads, for every asked conference in one query (docs/design.md
 * §5.3): its phase with its version, which of the asked sessions still exist (`signedIn`), and
 * which of those still hold an active place in it (`holding`). A conference missing from the
 * answer is gone. `asked`: conference id → the sessions of its open sockets.
 */
export async function placesHeld(asked: Map<string, string[]>): Promise<Map<string, PlacesHeld>> {
	const answer = new Map<string, PlacesHeld>();
	if (asked.size === 0) return answer;
	const pairs = [...asked].flatMap(([conferenceId, sessionIds]) => sessionIds.map((id) => [conferenceId, id]));
	const db = await getDb();
	const { conferences, sessions, participants } = schema;
	const result = await db.execute(sql`
		select ${conferences.id} as conference_id, ${conferences.phase} as phase, ${conferences.phaseVersion} as version,
			${sessions.id} as session_id, ${participants.id} as participant_id
		from ${conferences}
		left join unnest(${wordArray(pairs.map(([conferenceId]) => conferenceId))}::text[], ${wordArray(pairs.map(([, sessionId]) => sessionId))}::text[])
			as asked(conference_id, session_id) on asked.conference_id = ${conferences.id}
		left join ${sessions} on ${sessions.id} = asked.session_id and ${sessions.expiresAt} > now()
		left join ${participants} on ${participants.conferenceId} = ${conferences.id} and ${participants.status} = 'active'
			-- A family device is its own participant; staff hold a place through their account.
			and (${participants.id} = ${sessions.participantId}
				or (${participants.userId} = ${sessions.userId} and ${participants.role} <> 'family'))
		where ${conferences.id} = any(${wordArray([...asked.keys()])}::text[])`);
	// postgres-js answers with the rows, PGlite with { rows }.
	const rows = (Array.isArray(result) ? result : (result as unknown as { rows: unknown[] }).rows) as {
		conference_id: string;
		phase: Phase;
		version: number;
		session_id: string | null;
		participant_id: string | null;
	}[];
	for (const row of rows) {
		let held = answer.get(row.conference_id);
		if (!held) {
			held = { phase: row.phase, version: Number(row.version), signedIn: new Set(), holding: new Set() };
			answer.set(row.conference_id, held);
		}
		if (row.session_id) held.signedIn.add(row.session_id);
		if (row.session_id && row.participant_id) held.holding.add(row.session_id);
	}
	return answer;
}

/**
 * A PostgreSQL array literal of ids, passed as one text parameter (the same on PostgreSQL and
 * PGlite, whose drivers serialise arrays differently). Ids are plain words; anything else is refused.
 */
function wordArray(words: string[]): string {
	for (const word of words) if (!/^[a-z0-9]*$/i.test(word)) throw new Error('an id that is not a plain word');
	return `{${words.map((word) => `"${word}"`).join(',')}}`;
}

/**
 * The member behind this request, or a 404: someone with no place in a conference learns
 * nothing, not even that it exists.
 */
export async function requireMember(
	locals: { identity: Identity | null; removedFrom?: string | null },
	conferenceId: string
): Promise<Member> {
	const member = await resolveMember(locals.identity, conferenceId);
	// A device the family sent away is told so, once, on the home page.
	if (!member && locals.removedFrom === conferenceId) redirect(303, '/?removed=1');
	if (!member) error(404, { message: 'not_found', code: 'not_found' });
	return member;
}

export async function listParticipants(conferenceId: string) {
	const db = await getDb();
	return db
		.select({
			id: schema.participants.id,
			role: schema.participants.role,
			displayName: schema.participants.displayName,
			presence: schema.participants.presence,
			status: schema.participants.status,
			removalRequestedBy: schema.participants.removalRequestedBy,
			createdAt: schema.participants.createdAt
		})
		.from(schema.participants)
		.where(
			and(
				eq(schema.participants.conferenceId, conferenceId),
				inArray(schema.participants.status, ['active', 'unconfirmed', 'waiting'])
			)
		)
		.orderBy(asc(schema.participants.createdAt));
}

/**
 * The family's circle: its devices that are in or were in at the hand-over and wait to be
 * confirmed (docs/design.md §6). Devices at the door are not in it.
 */
export async function familyCircle(conferenceId: string) {
	const db = await getDb();
	return db
		.select({
			id: schema.participants.id,
			displayName: schema.participants.displayName,
			presence: schema.participants.presence,
			status: schema.participants.status
		})
		.from(schema.participants)
		.where(
			and(
				eq(schema.participants.conferenceId, conferenceId),
				eq(schema.participants.role, 'family'),
				inArray(schema.participants.status, ['active', 'unconfirmed'])
			)
		)
		.orderBy(asc(schema.participants.createdAt));
}

export async function countActiveFamily(conferenceId: string): Promise<number> {
	const db = await getDb();
	const [row] = await db
		.select({ n: count() })
		.from(schema.participants)
		.where(
			and(
				eq(schema.participants.conferenceId, conferenceId),
				eq(schema.participants.role, 'family'),
				eq(schema.participants.status, 'active')
			)
		);
	return row?.n ?? 0;
}

/**
 * The conference's phase and who in it is active or waiting at the door, in one read: what every
 * open status line of the conference is told after a change (live-status.ts), read once for all.
 * Someone not in the answer has lost their place.
 */
export async function conferenceStanding(conferenceId: string): Promise<ConferenceStanding> {
	const db = await getDb();
	const rows = await db
		.select({ phase: schema.conferences.phase, id: schema.participants.id, status: schema.participants.status })
		.from(schema.conferences)
		.leftJoin(
			schema.participants,
			and(
				eq(schema.participants.conferenceId, schema.conferences.id),
				inArray(schema.participants.status, ['active', 'unconfirmed', 'waiting'])
			)
		)
		.where(eq(schema.conferences.id, conferenceId));
	if (rows.length === 0) return null;
	const participants = new Map<string, Participant['status']>();
	for (const row of rows) if (row.id && row.status) participants.set(row.id, row.status);
	return { phase: rows[0].phase, participants };
}
