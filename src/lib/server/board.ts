import QRCode from 'qrcode';
import { actionsFor, transitionsFor } from '$lib/conference/permissions';
import { planIsAccepted } from '$lib/conference/phases';
import { listAudit } from './audit';
import { formatRoomCode } from './ids';
import { documentAccess, listParticipants, memberCan, type Member } from './members';
import { latestPlanVersion, parseFrozen } from './plan-versions';
import { retentionNotice } from './retention';
import { runtime } from './runtime';

/**
 * What one member's board shows, decided by the rule book: no field of the brief or the plan is
 * in here unless access() lets the member read that document in this phase, and people, the
 * door, the log and the invite only when can() lets them see it.
 */
export async function loadBoard(member: Member, origin: string) {
	const { conference, role } = member;
	const briefAccess = documentAccess(member, 'brief');
	const planAccess = documentAccess(member, 'plan');
	const participants = await listParticipants(conference.id);
	const connected = runtime().liveStatus.connectedFamilyIds(conference.id);
	const familyCount = participants.filter((p) => p.role === 'family' && p.status === 'active').length;
	const version =
		planAccess !== 'none' && planIsAccepted(conference.phase) ? await latestPlanVersion(conference.id) : null;
	const joinUrl = `${origin}/join/${conference.roomCode}`;
	return {
		conference: {
			id: conference.id,
			title: conference.title,
			phase: conference.phase,
			phaseChangedAt: conference.phaseChangedAt.toISOString(),
			question: briefAccess !== 'none' ? conference.question : null,
			knocked: conference.knockedAt !== null
		},
		// When everything is erased: every member may know it, none of it is content.
		retention: retentionNotice(conference),
		me: { participantId: member.participantId, name: member.name, role, status: member.status },
		access: { brief: briefAccess, plan: planAccess },
		// The buttons the board may show: the page draws from this list and restates no rule.
		actions: member.status === 'active' ? actionsFor(role, conference.phase) : [],
		transitions: transitionsFor(role, conference.phase),
		connectedFamily: connected.size,
		familyCount,
		participants: memberCan(member, 'see_people')
			? participants
					.filter((p) => p.status === 'active')
					.map((p) => ({
						id: p.id,
						name: p.displayName,
						role: p.role,
						presence: p.presence,
						connected: connected.has(p.id)
					}))
			: [],
		waiting: memberCan(member, 'see_door') ? doorRequests(participants) : [],
		invite: memberCan(member, 'create_invite')
			? {
					roomCode: formatRoomCode(conference.roomCode),
					joinUrl,
					qr: await QRCode.toDataURL(joinUrl, { margin: 1, width: 240 })
				}
			: null,
		accepted: version ? { ...parseFrozen(version.content), sha256: version.sha256 } : null,
		audit: memberCan(member, 'see_log')
			? (await listAudit(conference.id, 50)).map((a) => ({ ...a, at: a.at.toISOString() }))
			: []
	};
}

/**
 * Who waits at the door, with what the family needs to decide well: when they knocked, and
 * whether someone with the same name is already in (a stranger may call themselves "Oma").
 */
function doorRequests(participants: Awaited<ReturnType<typeof listParticipants>>) {
	const inside = new Set(
		participants.filter((p) => p.status === 'active').map((p) => p.displayName.toLocaleLowerCase())
	);
	return participants
		.filter((p) => p.status === 'waiting')
		.map((p) => ({
			id: p.id,
			name: p.displayName,
			presence: p.presence,
			since: p.createdAt.toISOString(),
			sameNameInside: inside.has(p.displayName.toLocaleLowerCase())
		}));
}

export type Board = Awaited<ReturnType<typeof loadBoard>>;
