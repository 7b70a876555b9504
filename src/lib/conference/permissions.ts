import type { ParticipantStatus } from './participants';
import { PHASES, type Phase, type Role, type StaffRole } from './phases';

/**
 * Every action a member may take in a conference, besides reading and writing documents
 * (those are `access()`'s). docs/design.md §3 shows this table next to the access matrix.
 */
export const ACTIONS = [
	'start_information',
	'hand_over',
	'end_private_time',
	'resume_private_time',
	'accept',
	'question_card',
	'close',
	'knock',
	'answer_knock',
	'decide_at_door',
	'confirm_device',
	'remove_device',
	'answer_removal',
	'create_invite',
	'edit_question',
	'see_log',
	'see_people',
	'see_door',
	'set_retention',
	'erase',
	'download_my_data',
	'tick_agreement',
	'set_evaluation_date',
	'make_plan_link',
	'start_evaluation'
] as const;
export type Action = (typeof ACTIONS)[number];

const ALL: readonly Phase[] = PHASES;
const BEFORE_PRIVATE_TIME: readonly Phase[] = ['preparation', 'information'];

/**
 * The rule book: for each action, per role, the phases in which it is allowed.
 * A role or phase that is not listed may not take the action.
 */
const TABLE: Record<Action, Partial<Record<Role, readonly Phase[]>>> = {
	start_information: { coordinator: ['preparation'] },
	hand_over: { coordinator: ['information'] },
	// Only the family ends its private time, and only the family goes back to it.
	end_private_time: { family: ['private'] },
	resume_private_time: { family: ['presentation'] },
	// Who of them accepts, with or without professionals in the conference: acceptanceBy() below.
	accept: { professional: ['presentation'], coordinator: ['presentation'] },
	// A professional puts a question on an agreement card with a reason instead of accepting (§7).
	question_card: { professional: ['presentation'] },
	close: { coordinator: ['accepted'] },
	knock: { coordinator: ['private'] },
	answer_knock: { family: ['private'] },
	decide_at_door: { family: ALL },
	// At the hand-over the family confirms its circle (docs/design.md §6); it happens only then.
	confirm_device: { family: ['private'] },
	// The coordinator may remove a device only while she is with the family, before private time.
	remove_device: { family: ALL, coordinator: BEFORE_PRIVATE_TIME },
	// Agreeing or not when another family device asks to send a device away.
	answer_removal: { family: ALL },
	create_invite: { coordinator: ['preparation', 'information', 'private', 'presentation', 'accepted'] },
	edit_question: { coordinator: BEFORE_PRIVATE_TIME },
	// Even who let whom in is the family's business during private time.
	see_log: { family: ALL, coordinator: ['preparation', 'information', 'presentation', 'accepted', 'closed'] },
	see_people: {
		family: ALL,
		coordinator: ['preparation', 'information', 'presentation', 'accepted'],
		professional: ['preparation', 'information', 'presentation', 'accepted', 'closed']
	},
	see_door: { family: ALL },
	// How long after closing everything is kept (docs/design.md §7): the coordinator's, and the board shows it to everyone.
	set_retention: { coordinator: ALL },
	// Erasing everything on request: the family once its plan is its own (accepted), the coordinator once her task is over.
	erase: { family: ['accepted', 'closed'], coordinator: ['closed'] },
	// Everything Kring holds about the conference is the family's to take along; staff have their own files.
	download_my_data: { family: ALL },
	// The follow-up of the accepted plan (docs/design.md §7): the family, its monitor among them,
	// says which agreements are done; whoever reads the plan sees it.
	tick_agreement: { family: ['accepted', 'closed'] },
	set_evaluation_date: { family: ['accepted', 'closed'], coordinator: ['accepted'] },
	// A family member's own link back to the accepted plan, for after this device's session (§6).
	make_plan_link: { family: ['accepted', 'closed'] },
	// A new conference starting from the accepted plan; the old one stays frozen.
	start_evaluation: { coordinator: ['accepted', 'closed'] }
};

export function can(role: Role, phase: Phase, action: Action): boolean {
	// Fails closed, as access() does: an unknown action, role or phase is a no.
	const phases: unknown = Object.hasOwn(TABLE, action) ? TABLE[action][role] : undefined;
	return Array.isArray(phases) && phases.includes(phase);
}

/**
 * What a member may do besides what the table says, by standing: someone who is in (active) may do
 * what the table allows; a device still unconfirmed after the hand-over may only confirm other
 * devices; a device waiting at the door, declined or removed may do nothing.
 */
const STANDING: Partial<Record<ParticipantStatus, readonly Action[] | 'table'>> = {
	active: 'table',
	unconfirmed: ['confirm_device']
};

/** Whether this member may take this action now: its standing, then the table. */
export function memberCan(
	member: { role: Role; status: string; conference: { phase: Phase } },
	action: Action
): boolean {
	const standing: unknown = Object.hasOwn(STANDING, member.status)
		? STANDING[member.status as ParticipantStatus]
		: undefined;
	const allowed = standing === 'table' || (Array.isArray(standing) && standing.includes(action));
	return allowed && can(member.role, member.conference.phase, action);
}

/** The actions this member may take now: what the server hands the board to draw its buttons. */
export function actionsOf(member: { role: Role; status: string; conference: { phase: Phase } }): Action[] {
	return ACTIONS.filter((action) => memberCan(member, action));
}

/**
 * The phase change after which every family device that is in must be confirmed by another one
 * before it receives anything again: the hand-over. Before it, devices were let in without the
 * family deciding (docs/design.md §6).
 */
export function confirmsTheCircle(action: Action): boolean {
	return action === 'hand_over';
}

/** The phase change at which devices nobody confirmed go to the door: the end of private time. */
export function sendsTheUnconfirmedToTheDoor(action: Action): boolean {
	return action === 'end_private_time';
}

/**
 * Whether a device may be confirmed by this one. Any device of the circle (active or unconfirmed)
 * confirms another. A device confirms itself only when no other family device is in the circle to
 * do it, and only with its own explicit statement that it is the family's.
 */
export function mayConfirm(input: { self: boolean; othersInCircle: number; statement: boolean }): boolean {
	if (!input.self) return true;
	return input.othersInCircle === 0 && input.statement;
}

/**
 * How many devices one family device may send away (remove, or decline at the door) on its own.
 * For every further one a second family device must agree, so that one device cannot lock the
 * family out. The coordinator's removals before private time are not counted: a device she
 * removes then can join again at once.
 */
export const SEND_AWAY_ALONE = 1;

export function maySendAwayAlone(role: Role, sentAwayAlone: number): boolean {
	return role !== 'family' || sentAwayAlone < SEND_AWAY_ALONE;
}

/**
 * How an acceptance counts (docs/design.md §7). With professionals in the conference, each of them
 * accepts for themselves (`own`), and the plan is accepted once every one of them has; the
 * coordinator then does not accept. With no professional in the conference, the coordinator records
 * the family's plan as accepted (`whole`). Null: this role does not accept here.
 */
export function acceptanceBy(role: Role, professionalsInConference: number): 'own' | 'whole' | null {
	if (role === 'professional') return 'own';
	if (role === 'coordinator' && professionalsInConference === 0) return 'whole';
	return null;
}

/** The actions a role may take in a phase: what the server hands the board to draw its buttons. */
export function actionsFor(role: Role, phase: Phase): Action[] {
	return ACTIONS.filter((action) => can(role, phase, action));
}

/**
 * Whether a new family device may still join this conference (by room code or invite link).
 * A closed conference takes nobody new: its codes and links lead nowhere.
 */
export function familyCanJoin(phase: Phase): boolean {
	return phase !== 'closed';
}

/**
 * Before private time a new family device is in at once: the coordinator is with the family.
 * From private time on it waits at the door until a family member who is in lets it in.
 */
export function joinsAtTheDoor(phase: Phase): boolean {
	return !BEFORE_PRIVATE_TIME.includes(phase);
}

/** The phase changes, each taken by one action of the table. */
export const PHASE_CHANGES: readonly { action: Action; from: Phase; to: Phase }[] = [
	{ action: 'start_information', from: 'preparation', to: 'information' },
	{ action: 'hand_over', from: 'information', to: 'private' },
	{ action: 'end_private_time', from: 'private', to: 'presentation' },
	{ action: 'resume_private_time', from: 'presentation', to: 'private' },
	{ action: 'accept', from: 'presentation', to: 'accepted' },
	{ action: 'close', from: 'accepted', to: 'closed' }
];

/** The action that moves a conference from one phase to another, or null when no action does. */
export function phaseChangeAction(from: Phase, to: Phase): Action | null {
	return PHASE_CHANGES.find((change) => change.from === from && change.to === to)?.action ?? null;
}

/** Whether this role may move a conference from one phase to the other. */
export function canTransition(role: Role, from: Phase, to: Phase): boolean {
	const action = phaseChangeAction(from, to);
	return action !== null && can(role, from, action);
}

/** The phases a role may move the conference to from the given phase, for buttons and menus. */
export function transitionsFor(role: Role, from: Phase): Phase[] {
	return PHASE_CHANGES.filter((change) => change.from === from && can(role, from, change.action)).map(
		(change) => change.to
	);
}

/** What a staff account may do outside any conference. */
const ACCOUNT_TABLE = {
	create_conference: ['coordinator'],
	// The demo `npm start` offers on an empty database is the coordinator's to take away again.
	erase_demo: ['coordinator']
} as const satisfies Record<string, readonly StaffRole[]>;
export type AccountAction = keyof typeof ACCOUNT_TABLE;

export function accountCan(role: StaffRole, action: AccountAction): boolean {
	const roles: unknown = Object.hasOwn(ACCOUNT_TABLE, action) ? ACCOUNT_TABLE[action] : undefined;
	return Array.isArray(roles) && roles.includes(role);
}
