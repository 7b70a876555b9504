import { PHASES, type Phase, type Role } from './phases';

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
	'close',
	'knock',
	'answer_knock',
	'decide_at_door',
	'remove_device',
	'create_invite',
	'edit_question',
	'see_log',
	'see_people',
	'see_door',
	'set_retention',
	'erase',
	'download_my_data'
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
	accept: { professional: ['presentation'], coordinator: ['presentation'] },
	close: { coordinator: ['accepted'] },
	knock: { coordinator: ['private'] },
	answer_knock: { family: ['private'] },
	decide_at_door: { family: ALL },
	// The coordinator may remove a device only while she is with the family, before private time.
	remove_device: { family: ALL, coordinator: BEFORE_PRIVATE_TIME },
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
	download_my_data: { family: ALL }
};

export function can(role: Role, phase: Phase, action: Action): boolean {
	// Fails closed, as access() does: an unknown action, role or phase is a no.
	const phases: unknown = Object.hasOwn(TABLE, action) ? TABLE[action][role] : undefined;
	return Array.isArray(phases) && phases.includes(phase);
}

/**
 * Whether this member may take this action now: asks the table, and only for someone who is in
 * (a device waiting at the door, declined or removed may do nothing).
 */
export function memberCan(
	member: { role: Role; status: string; conference: { phase: Phase } },
	action: Action
): boolean {
	return member.status === 'active' && can(member.role, member.conference.phase, action);
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
