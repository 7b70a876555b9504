import type { Role } from '$lib/conference/phases';
import type { Bus } from './bus';

type Listener = { participantId: string; role: Role; push: () => void };

/** An instance's set that has not been repeated for this many heartbeats belongs to one that is gone. */
const EXPIRES_AFTER_BEATS = 3;

/**
 * Who has a board open, and a nudge to every open board of a conference when something about
 * it changed. Counts are shared between instances over the bus; content never goes through here.
 * Each instance repeats its sets every heartbeat, and a set not repeated in time is forgotten, so
 * an instance that died stops being counted.
 */
export class LiveStatus {
	private readonly listeners = new Map<string, Set<Listener>>();
	/** conference → instance → family participants with a board open there, and when it was last said */
	private readonly presence = new Map<string, Map<string, { ids: Set<string>; heardAt: number }>>();
	private readonly heartbeat: ReturnType<typeof setInterval>;

	constructor(
		private readonly bus: Bus,
		private readonly heartbeatMs = 3000
	) {
		bus.subscribe((message) => {
			// A heartbeat that changes nothing nudges nobody.
			if (message.type === 'presence' && !this.remember(message.conferenceId, message.origin, message.participantIds))
				return;
			// Only news about the conference itself nudges the boards; edits and sessions do not.
			if (
				message.type !== 'phase' &&
				message.type !== 'status' &&
				message.type !== 'presence' &&
				message.type !== 'participant-removed'
			)
				return;
			this.nudge(message.conferenceId);
		});
		// After a gap on the bus, every open board reads its conference again.
		bus.onResync(() => {
			for (const conferenceId of this.listeners.keys()) {
				this.publishPresence(conferenceId);
				this.nudge(conferenceId);
			}
		});
		this.heartbeat = setInterval(() => this.beat(), heartbeatMs);
		this.heartbeat.unref();
	}

	close(): void {
		clearInterval(this.heartbeat);
	}

	private nudge(conferenceId: string): void {
		for (const listener of this.listeners.get(conferenceId) ?? []) listener.push();
	}

	/** Stores an instance's set; true when it differs from what that instance said before. */
	private remember(conferenceId: string, instance: string, participantIds: string[]): boolean {
		const byInstance = this.presence.get(conferenceId) ?? new Map<string, { ids: Set<string>; heardAt: number }>();
		this.presence.set(conferenceId, byInstance);
		const before = byInstance.get(instance)?.ids;
		const ids = new Set(participantIds);
		byInstance.set(instance, { ids, heardAt: performance.now() });
		return !before || before.size !== ids.size || [...ids].some((id) => !before.has(id));
	}

	private beat(): void {
		for (const conferenceId of this.listeners.keys()) this.publishPresence(conferenceId);
		const now = performance.now();
		for (const [conferenceId, byInstance] of this.presence) {
			let forgot = false;
			for (const [instance, { heardAt }] of byInstance) {
				if (now - heardAt <= EXPIRES_AFTER_BEATS * this.heartbeatMs) continue;
				byInstance.delete(instance);
				forgot = true;
			}
			if (byInstance.size === 0) this.presence.delete(conferenceId);
			if (forgot) this.nudge(conferenceId);
		}
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
		return this.connectedFamilyIds(conferenceId).size;
	}

	connectedFamilyIds(conferenceId: string): Set<string> {
		const all = new Set<string>();
		for (const { ids } of this.presence.get(conferenceId)?.values() ?? []) for (const id of ids) all.add(id);
		return all;
	}
}
