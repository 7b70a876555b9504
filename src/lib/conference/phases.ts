/** The phases of a conference, in the order they normally follow each other (DESIGN.md §1). */
export const PHASES = ['preparation', 'information', 'private', 'presentation', 'accepted', 'closed'] as const;
export type Phase = (typeof PHASES)[number];

export const ROLES = ['family', 'coordinator', 'professional'] as const;
export type Role = (typeof ROLES)[number];

export const DOCUMENTS = ['brief', 'plan'] as const;
export type DocumentName = (typeof DOCUMENTS)[number];

export function isPhase(value: unknown): value is Phase {
	return typeof value === 'string' && (PHASES as readonly string[]).includes(value);
}

export function isDocumentName(value: unknown): value is DocumentName {
	return typeof value === 'string' && (DOCUMENTS as readonly string[]).includes(value);
}

export function isRole(value: unknown): value is Role {
	return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

type Transition = { from: Phase; to: Phase; by: readonly Role[] };

/**
 * Who may move a conference from one phase to the next. Only the family ends private time;
 * acceptance is recorded by the professional or the coordinator.
 */
export const TRANSITIONS: readonly Transition[] = [
	{ from: 'preparation', to: 'information', by: ['coordinator'] },
	{ from: 'information', to: 'private', by: ['coordinator'] },
	{ from: 'private', to: 'presentation', by: ['family'] },
	{ from: 'presentation', to: 'private', by: ['family'] },
	{ from: 'presentation', to: 'accepted', by: ['professional', 'coordinator'] },
	{ from: 'accepted', to: 'closed', by: ['coordinator'] }
];

export function canTransition(role: Role, from: Phase, to: Phase): boolean {
	return TRANSITIONS.some((t) => t.from === from && t.to === to && t.by.includes(role));
}

/** The transitions a role may make from the given phase, for buttons and menus. */
export function transitionsFor(role: Role, from: Phase): Phase[] {
	return TRANSITIONS.filter((t) => t.from === from && t.by.includes(role)).map((t) => t.to);
}
