/** Where a family member takes part from; they say so when they join. */
export const PRESENCES = ['room', 'remote', 'video-visit'] as const;
export type Presence = (typeof PRESENCES)[number];

/**
 * A participant's standing at the door: active takes part; waiting stands at the door during
 * private time; removed was sent away (sessions ended); declined was not let in.
 */
export const PARTICIPANT_STATUSES = ['active', 'waiting', 'removed', 'declined'] as const;
export type ParticipantStatus = (typeof PARTICIPANT_STATUSES)[number];

export function isPresence(value: unknown): value is Presence {
	return typeof value === 'string' && (PRESENCES as readonly string[]).includes(value);
}
