import type { ParticipantStatus } from '$lib/conference/participants';
import type { Phase, Role } from '$lib/conference/phases';
import type { Bus } from './bus';

/**
 * What one read of the database says about a conference: its phase and where each of its
 * participants stands; null when the conference is gone.
 */
export type ConferenceStanding = { phase: Phase; participants: Map<string, ParticipantStatus> } | null;

/** What the status lines need of the bus: the nudges, the family-count sets, and the gaps. */
export type StatusBus = Pick<Bus, 'publish' | 'subscribe' | 'onResync'>;

export type StatusEvent = 'status' | 'gone' | 'superseded';

/** One open status line (a server-sent event stream). */
export type StatusListener = {
	/** The session behind the stream: it keeps a few streams per conference, no more. */
	sessionId: string;
	participantId: string;
	role: Role;
	/** Where the participant stood when the stream opened; a device at the door hears only its own answer. */
	status: 'active' | 'unconfirmed' | 'waiting';
	send(event: StatusEvent, data: object): void;
	/** Ends the stream; the stream's own stop calls the function `listen` returned. */
	close(): void;
};

export type LiveStatusOptions = {
	/** Streams one session keeps open on one conference; a new one beyond it closes the oldest. */
	streamsPerSession: number;
	/** Changes within this time share one read of the database and one nudge. */
	settleMs: number;
	/**
	 * How often this instance repeats its family sets to the others (the lease's beat); a set not
	 * repeated for EXPIRES_AFTER_BEATS beats belongs to an instance that is gone and is forgotten.
	 */
	heartbeatMs: number;
	log?: (message: string, error: unknown) => void;
};

const DEFAULTS: LiveStatusOptions = { streamsPerSession: 4, settleMs: 25, heartbeatMs: 3000 };

/** An instance's set that has not been repeated for this many heartbeats belongs to one that is gone. */
const EXPIRES_AFTER_BEATS = 3;

type Refresh = { timer: ReturnType<typeof setTimeout> | null; running: boolean; again: boolean };

/**
 * Who has a board open, and a nudge to every open board of a conference when something about
 * it changed. Counts are shared between instances over the bus; content never goes through here.
 *
 * A change costs one read of the database per conference, shared by all its listeners, however
 * many there are (docs/design.md §5.2): changes are gathered for `settleMs`, and while a read
 * runs, the next changes wait for one more read after it.
 *
 * A message on the bus can be lost (§5.3): each instance repeats its sets every heartbeat, and a
 * set not repeated in time is forgotten, so an instance that died stops being counted; after a
 * gap on the bus every open status line reads its conference again.
 */
export class LiveStatus {
	private readonly listeners = new Map<string, Set<StatusListener>>();
	/** `session/conference` → its listeners, oldest first */
	private readonly bySession = new Map<string, StatusListener[]>();
	/** conference → instance → family participants with a board open there, and when that was last said */
	private readonly presence = new Map<string, Map<string, { ids: Set<string>; heardAt: number }>>();
	/** conference → the set this instance published last, so that an unchanged set is not sent again */
	private readonly published = new Map<string, string>();
	private readonly refreshes = new Map<string, Refresh>();
	private readonly options: LiveStatusOptions;
	private readonly heartbeat: ReturnType<typeof setInterval>;

	constructor(
		private readonly bus: StatusBus,
		private readonly read: (conferenceId: string) => Promise<ConferenceStanding>,
		options: Partial<LiveStatusOptions> = {}
	) {
		this.options = { ...DEFAULTS, ...options };
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
			this.schedule(message.conferenceId);
		});
		// After a gap on the bus, the others may have missed this instance's sets and this one theirs
		// and any change: say the sets again, and every open status line reads its conference again.
		bus.onResync(() => {
			for (const conferenceId of this.listeners.keys()) {
				this.repeatPresence(conferenceId);
				this.schedule(conferenceId);
			}
		});
		this.heartbeat = setInterval(() => this.beat(), this.options.heartbeatMs);
		this.heartbeat.unref?.();
	}

	close(): void {
		clearInterval(this.heartbeat);
	}

	/** Stores an instance's set; true when it differs from what that instance said before. */
	private remember(conferenceId: string, instance: string, participantIds: string[]): boolean {
		const byInstance = this.presence.get(conferenceId) ?? new Map<string, { ids: Set<string>; heardAt: number }>();
		const before = byInstance.get(instance)?.ids ?? new Set<string>();
		const ids = new Set(participantIds);
		if (ids.size > 0) {
			byInstance.set(instance, { ids, heardAt: performance.now() });
			this.presence.set(conferenceId, byInstance);
		} else {
			byInstance.delete(instance);
			if (byInstance.size === 0) this.presence.delete(conferenceId);
		}
		return before.size !== ids.size || [...ids].some((id) => !before.has(id));
	}

	/** Repeats this instance's non-empty sets, and forgets the sets of instances that stopped repeating theirs. */
	private beat(): void {
		for (const conferenceId of this.published.keys()) this.repeatPresence(conferenceId);
		const now = performance.now();
		for (const [conferenceId, byInstance] of this.presence) {
			let forgot = false;
			for (const [instance, { heardAt }] of byInstance) {
				if (now - heardAt <= EXPIRES_AFTER_BEATS * this.options.heartbeatMs) continue;
				byInstance.delete(instance);
				forgot = true;
			}
			if (byInstance.size === 0) this.presence.delete(conferenceId);
			if (forgot) this.schedule(conferenceId);
		}
	}

	/**
	 * Opens a status line: it hears `first` at once, and from then on a nudge per change. Returns
	 * the function that closes it again (safe to call twice).
	 */
	listen(conferenceId: string, listener: StatusListener, first: { phase: Phase }): () => void {
		const set = this.listeners.get(conferenceId) ?? new Set<StatusListener>();
		set.add(listener);
		this.listeners.set(conferenceId, set);
		const key = `${listener.sessionId}/${conferenceId}`;
		const own = this.bySession.get(key) ?? [];
		own.push(listener);
		this.bySession.set(key, own);
		let open = true;
		const unlisten = () => {
			if (!open) return;
			open = false;
			set.delete(listener);
			if (set.size === 0 && this.listeners.get(conferenceId) === set) this.listeners.delete(conferenceId);
			const index = own.indexOf(listener);
			if (index >= 0) own.splice(index, 1);
			if (own.length === 0 && this.bySession.get(key) === own) this.bySession.delete(key);
			this.publishPresence(conferenceId);
		};
		// A phone that reloads, or a script that opens stream after stream: the newest always gets in.
		while (own.length > this.options.streamsPerSession) {
			const oldest = own[0];
			oldest.send('superseded', {});
			oldest.close();
			// The stream's own stop normally did this already.
			if (own[0] === oldest) own.shift();
			set.delete(oldest);
		}
		this.publishPresence(conferenceId);
		listener.send('status', this.statusOf(conferenceId, listener, first.phase));
		return unlisten;
	}

	/** A device at the door hears its own standing only: no phase, no count, nothing of the family. */
	private statusOf(conferenceId: string, listener: StatusListener, phase: Phase): object {
		if (listener.status === 'waiting') return { status: 'waiting' };
		return { phase, status: listener.status, connectedFamily: this.connectedFamily(conferenceId) };
	}

	private schedule(conferenceId: string): void {
		if (!this.listeners.has(conferenceId)) return;
		const refresh = this.refreshes.get(conferenceId) ?? { timer: null, running: false, again: false };
		this.refreshes.set(conferenceId, refresh);
		if (refresh.running) {
			refresh.again = true;
			return;
		}
		if (refresh.timer) return;
		refresh.timer = setTimeout(() => void this.refresh(conferenceId, refresh), this.options.settleMs);
		refresh.timer.unref?.();
	}

	private async refresh(conferenceId: string, refresh: Refresh): Promise<void> {
		refresh.timer = null;
		refresh.running = true;
		try {
			if (this.listeners.has(conferenceId)) this.nudge(conferenceId, await this.read(conferenceId));
		} catch (error) {
			// The next change reads again; nobody is told they are gone because the database hiccupped.
			this.options.log?.('[live-status] could not read the conference:', error);
		} finally {
			refresh.running = false;
			this.refreshes.delete(conferenceId);
			if (refresh.again) this.schedule(conferenceId);
		}
	}

	private nudge(conferenceId: string, standing: ConferenceStanding): void {
		for (const listener of [...(this.listeners.get(conferenceId) ?? [])]) {
			const now = standing?.participants.get(listener.participantId);
			// An unconfirmed device (after the hand-over, until another family device confirms it) is
			// still in the circle: it follows the nudges, as it may confirm others.
			const inThere = now === 'active' || ((now === 'waiting' || now === 'unconfirmed') && listener.role === 'family');
			if (!standing || !inThere) {
				// The family's device wipes itself either way; `erased` tells it why (§7).
				listener.send('gone', { erased: !standing });
				listener.close();
				continue;
			}
			// Still at the door: nothing happened that is this device's business.
			if (now === 'waiting') continue;
			const before = listener.status;
			listener.status = now;
			if (before !== now) this.publishPresence(conferenceId);
			listener.send('status', this.statusOf(conferenceId, listener, standing.phase));
		}
	}

	/** Tells the other instances (and this one) who has a board open here, when that changed. */
	private publishPresence(conferenceId: string): void {
		const participantIds = this.familyHere(conferenceId);
		const published = participantIds.join(' ');
		if ((this.published.get(conferenceId) ?? '') === published) return;
		if (participantIds.length > 0) this.published.set(conferenceId, published);
		else this.published.delete(conferenceId);
		this.bus.publish({ type: 'presence', conferenceId, participantIds });
	}

	/** Says this instance's set again, changed or not (the heartbeat, a resync). */
	private repeatPresence(conferenceId: string): void {
		const participantIds = this.familyHere(conferenceId);
		if (participantIds.length > 0) this.published.set(conferenceId, participantIds.join(' '));
		else this.published.delete(conferenceId);
		this.bus.publish({ type: 'presence', conferenceId, participantIds });
	}

	private familyHere(conferenceId: string): string[] {
		return [
			...new Set(
				[...(this.listeners.get(conferenceId) ?? [])]
					.filter((l) => l.role === 'family' && l.status === 'active')
					.map((l) => l.participantId)
			)
		].sort();
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
