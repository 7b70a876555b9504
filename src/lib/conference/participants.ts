/** Where a family member takes part from; they say so when they join. */
export const PRESENCES = ['room', 'remote', 'video-visit'] as const;
export type Presence = (typeof PRESENCES)[number];

/**
 * A participant's standing at the door: active takes part; unconfirmed was in before the hand-over
 * and waits, with nothing, until another family device confirms it (docs/design.md §6); waiting
 * stands at the door; removed was sent away (sessions ended); declined was not let in.
 */
export const PARTICIPANT_STATUSES = ['active', 'unconfirmed', 'waiting', 'removed', 'declined'] as const;
export type ParticipantStatus = (typeof PARTICIPANT_STATUSES)[number];

export function isPresence(value: unknown): value is Presence {
	return typeof value === 'string' && (PRESENCES as readonly string[]).includes(value);
}
