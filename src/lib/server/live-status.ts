import type { Role } from '$lib/conference/phases';
import type { Bus } from './bus';

type Listener = { participantId: string; role: Role; push: () => void };

/**
 * Who has a board open, and a nudge to every open board of a conference when something about
 * it changed. Counts are shared between instances over the bus; content never goes through here.
 */
export class LiveStatus {
	private readonly listeners = new Map<string, Set<Listener>>();
	/** conference → instance → family participants with a board open there */
	private readonly presence = new Map<string, Map<string, Set<string>>>();

	constructor(private readonly bus: Bus) {
		bus.subscribe((message) => {
			if (message.type === 'presence') {
				const byInstance = this.presence.get(message.conferenceId) ?? new Map<string, Set<string>>();
				byInstance.set(message.origin, new Set(message.participantIds));
				this.presence.set(message.conferenceId, byInstance);
			}
			// Only news about the conference itself nudges the boards; edits and sessions do not.
			if (
				message.type !== 'phase' &&
				message.type !== 'status' &&
				message.type !== 'presence' &&
				message.type !== 'participant-removed'
			)
				return;
			for (const listener of this.listeners.get(message.conferenceId) ?? []) listener.push();
		});
	}

	listen(conferenceId: string, listener: Listener): () => void {
		const set = this.listeners.get(conferenceId) ?? new Set<Listener>();
		set.add(listener);
		this.listeners.set(conferenceId, set);
		this.publishPresence(conferenceId);
		return () => {
			set.delete(listener);
			if (set.size === 0) this.listeners.delete(conferenceId);
			this.publishPresence(conferenceId);
		};
	}

	private publishPresence(conferenceId: string): void {
		const participantIds = [
			...new Set(
				[...(this.listeners.get(conferenceId) ?? [])].filter((l) => l.role === 'family').map((l) => l.participantId)
			)
		];
		this.bus.publish({ type: 'presence', conferenceId, participantIds });
	}

	connectedFamily(conferenceId: string): number {
		const all = new Set<string>();
		for (const ids of this.presence.get(conferenceId)?.values() ?? []) for (const id of ids) all.add(id);
		return all.size;
	}

	connectedFamilyIds(conferenceId: string): Set<string> {
		const all = new Set<string>();
		for (const ids of this.presence.get(conferenceId)?.values() ?? []) for (const id of ids) all.add(id);
		return all;
	}
}
