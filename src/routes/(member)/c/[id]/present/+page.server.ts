import QRCode from 'qrcode';
import { planIsAccepted } from '$lib/conference/phases';
import { config } from '$lib/server/config';
import { evaluationOf } from '$lib/server/follow-up';
import { formatRoomCode } from '$lib/server/ids';
import { documentAccess, memberCan, requireMember } from '$lib/server/members';
import { latestPlanVersion, parseFrozen } from '$lib/server/plan-versions';
import { phoneOrigin } from '$lib/server/room-address';
import type { PageServerLoad } from './$types';

/**
 * The big screen: before private time the question and the room code with its QR code (for whoever
 * may invite); in private time only the phase; in the presentation the live plan, read-only; after
 * acceptance the frozen plan. Each part only when access() or can() lets this viewer see it.
 */
export const load: PageServerLoad = async ({ locals, params, url }) => {
	const member = await requireMember(locals, params.id);
	const { conference } = member;
	const plan = documentAccess(member, 'plan');
	const brief = documentAccess(member, 'brief');
	const accepted = plan !== 'none' && planIsAccepted(conference.phase) ? await latestPlanVersion(conference.id) : null;
	const beforePrivateTime = conference.phase === 'preparation' || conference.phase === 'information';
	const frozen = accepted ? parseFrozen(accepted.content) : null;
	// Why the plan is not on the screen, said truthfully: a device not (yet) let in waits at the
	// door; only in private time is the family in private time; before it, nothing is presented yet.
	const withoutPlan =
		member.status !== 'active'
			? ('door' as const)
			: conference.phase === 'private'
				? ('private' as const)
				: beforePrivateTime
					? ('not_yet' as const)
					: ('none' as const);
	// The big screen is usually the laptop's own window on localhost: the QR code names its network address.
	const joinUrl = `${phoneOrigin(url, config()).origin}/join/${conference.roomCode}`;
	return {
		conference: { id: conference.id, title: conference.title, phase: conference.phase },
		question: brief !== 'none' ? conference.question : null,
		invite:
			beforePrivateTime && memberCan(member, 'create_invite')
				? {
						roomCode: formatRoomCode(conference.roomCode),
						joinUrl,
						qr: await QRCode.toDataURL(joinUrl, { margin: 1, width: 480 })
					}
				: null,
		access: { plan: accepted ? 'none' : plan, brief: accepted ? 'none' : brief },
		accepted: frozen,
		// After acceptance the evaluation has a day, with the days until it (docs/design.md §7).
		evaluation: frozen ? evaluationOf(conference, frozen) : null,
		withoutPlan
	};
};
