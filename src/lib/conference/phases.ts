/** The phases of a conference, in the order they normally follow each other (docs/design.md §1). */
export const PHASES = ['preparation', 'information', 'private', 'presentation', 'accepted', 'closed'] as const;
export type Phase = (typeof PHASES)[number];

export const ROLES = ['family', 'coordinator', 'professional'] as const;
export type Role = (typeof ROLES)[number];

/** Roles with an account; family members have none. */
export const STAFF_ROLES = ['coordinator', 'professional'] as const satisfies readonly Role[];
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Roles an invite link can carry; the coordinator creates the conference and needs none. */
export const INVITED_ROLES = ['family', 'professional'] as const satisfies readonly Role[];

export const DOCUMENTS = ['brief', 'plan'] as const;
export type DocumentName = (typeof DOCUMENTS)[number];

/** From acceptance on, the plan is a frozen version: it is not written any more, only read. */
export function planIsAccepted(phase: Phase): boolean {
	return phase === 'accepted' || phase === 'closed';
}

export function isPhase(value: unknown): value is Phase {
	return typeof value === 'string' && (PHASES as readonly string[]).includes(value);
}

export function isDocumentName(value: unknown): value is DocumentName {
	return typeof value === 'string' && (DOCUMENTS as readonly string[]).includes(value);
}

export function isRole(value: unknown): value is Role {
	return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
