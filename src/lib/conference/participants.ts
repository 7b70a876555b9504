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

/**
 * The people in a list of devices: a phone that joined again (a lost cookie, a new browser) is a new
 * device with the same name, and must not make its person appear twice. One entry per role and
 * name, in the order they first joined, connected when any of its devices is.
 */
export function peopleOf<D extends { name: string; role: string; connected: boolean }>(
	devices: readonly D[]
): { name: string; role: string; connected: boolean; devices: D[] }[] {
	const people = new Map<string, { name: string; role: string; connected: boolean; devices: D[] }>();
	for (const device of devices) {
		const key = `${device.role}\u0000${device.name.trim().toLocaleLowerCase()}`;
		const person = people.get(key) ?? { name: device.name, role: device.role, connected: false, devices: [] };
		person.connected ||= device.connected;
		person.devices.push(device);
		people.set(key, person);
	}
	return [...people.values()];
}
