import QRCode from 'qrcode';
import { acceptanceBy, actionsOf, transitionsFor } from '$lib/conference/permissions';
import { planIsAccepted } from '$lib/conference/phases';
import { acceptancesGiven, storedPlanFingerprint, type Acceptance } from './acceptance';
import { listAudit } from './audit';
import { config } from './config';
import { earlierPlanOf } from './evaluation';
import { followUpOf } from './follow-up';
import { planLinkOf } from './plan-links';
import { openQuestions } from './card-questions';
import { formatRoomCode } from './ids';
import { documentAccess, familyCircle, listParticipants, memberCan, type Member } from './members';
import { latestPlanVersion, parseFrozen } from './plan-versions';
import { retentionNotice } from './retention';
import { phoneOrigin } from './room-address';
import { runtime } from './runtime';

/**
 * What one member's board shows, decided by the rule book: no field of the brief or the plan is
 * in here unless access() lets the member read that document in this phase, and people, the
 * door, the log and the invite only when can() lets them see it.
 */
export async function loadBoard(member: Member, pageUrl: URL) {
	const { conference, role } = member;
	const briefAccess = documentAccess(member, 'brief');
	const planAccess = documentAccess(member, 'plan');
	const participants = await listParticipants(conference.id);
	const connected = runtime().liveStatus.connectedFamilyIds(conference.id);
	const familyCount = participants.filter((p) => p.role === 'family' && p.status === 'active').length;
	const version =
		planAccess !== 'none' && planIsAccepted(conference.phase) ? await latestPlanVersion(conference.id) : null;
	// The link and QR code carry an address phones can open, not the laptop's localhost.
	const phones = phoneOrigin(pageUrl, config());
	const joinUrl = `${phones.origin}/join/${conference.roomCode}`;
	const professionals = participants.filter((p) => p.role === 'professional' && p.status === 'active');
	// Questions on cards and who accepted are about the plan: only for who may read it, while it is presented.
	const presented = planAccess !== 'none' && conference.phase === 'presentation';
	// The family sees the questions in private time too, to amend its plan there.
	const questioned = planAccess !== 'none' && (presented || conference.phase === 'private');
	const given = presented ? await acceptancesGiven(conference) : new Map<string, Acceptance>();
	// An acceptance counts for the plan it named; after a change of the plan it is asked again.
	const standing = given.size > 0 ? await storedPlanFingerprint(conference.id) : '';
	const accepts = acceptanceBy(role, professionals.length) !== null;
	return {
		conference: {
			id: conference.id,
			title: conference.title,
			phase: conference.phase,
			phaseChangedAt: conference.phaseChangedAt.toISOString(),
			question: briefAccess !== 'none' ? conference.question : null,
			knocked: conference.knockedAt !== null,
			// The family answered the knock with "not yet": for whoever may knock.
			notYetAt: memberCan(member, 'knock') ? (conference.notYetAt?.toISOString() ?? null) : null
		},
		// When everything is erased: every member may know it, none of it is content.
		retention: retentionNotice(conference),
		me: { participantId: member.participantId, name: member.name, role, status: member.status },
		access: { brief: briefAccess, plan: planAccess },
		// The buttons the board may show: the page draws from this list and restates no rule.
		// With professionals in the conference they accept, not the coordinator (§7).
		actions: actionsOf(member).filter((action) => action !== 'accept' || accepts),
		transitions: transitionsFor(role, conference.phase).filter((to) => to !== 'accepted' || accepts),
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
		// The devices of the circle nobody has confirmed since the hand-over (§6).
		circle: memberCan(member, 'confirm_device')
			? participants
					.filter((p) => p.status === 'unconfirmed' && p.id !== member.participantId)
					.map((p) => ({ id: p.id, name: p.displayName, presence: p.presence }))
			: [],
		removals: memberCan(member, 'answer_removal') ? removalRequests(member, participants) : [],
		invite: memberCan(member, 'create_invite')
			? {
					roomCode: formatRoomCode(conference.roomCode),
					joinUrl,
					reachable: phones.reachable,
					qr: await QRCode.toDataURL(joinUrl, { margin: 1, width: 240 })
				}
			: null,
		accepted: version ? { ...parseFrozen(version.content), sha256: version.sha256 } : null,
		// The follow-up of the accepted plan (ticks, the evaluation date), for whoever reads the plan.
		followUp: await followUpOf(member),
		planLink: await planLinkOf(member),
		// An evaluation conference: which accepted plan it started from, and who took part then.
		earlier: await earlierPlanOf(conference),
		demo: conference.demo === 1,
		// Open questions professionals put on agreement cards, shown on those cards (§7).
		questions: questioned
			? (await openQuestions(conference.id)).map((q) => ({
					id: q.id,
					agreementId: q.agreementId,
					by: q.by,
					reason: q.reason,
					mine: q.askedBy === member.participantId
				}))
			: [],
		// Which professionals have accepted the presented plan; it is accepted once all have.
		acceptances: presented
			? professionals.map((p) => ({
					name: p.displayName,
					accepted: given.get(p.id)?.planFingerprint === standing,
					// Accepted, then the family changed the plan: this professional is asked again.
					outdated: given.has(p.id) && given.get(p.id)?.planFingerprint !== standing,
					me: p.id === member.participantId
				}))
			: [],
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

/** Requests by one family device to send another away, waiting for a second one to agree. */
function removalRequests(member: Member, participants: Awaited<ReturnType<typeof listParticipants>>) {
	const names = new Map(participants.map((p) => [p.id, p.displayName]));
	return participants
		.filter((p) => p.removalRequestedBy && names.has(p.removalRequestedBy))
		.map((p) => ({
			id: p.id,
			name: p.displayName,
			by: names.get(p.removalRequestedBy!)!,
			mine: p.removalRequestedBy === member.participantId
		}));
}

/**
 * What a device that waits to be confirmed after the hand-over sees instead of the board: the
 * other devices of the circle, so that it can confirm them, and whether it is alone in it. Names
 * only: every one of them was in the room before private time.
 */
export async function loadCircle(member: Member) {
	const others = (await familyCircle(member.conference.id)).filter((p) => p.id !== member.participantId);
	return {
		alone: others.length === 0,
		others: others.map((p) => ({ id: p.id, name: p.displayName, presence: p.presence, status: p.status }))
	};
}

export type Circle = Awaited<ReturnType<typeof loadCircle>>;
export type Board = Awaited<ReturnType<typeof loadBoard>>;
