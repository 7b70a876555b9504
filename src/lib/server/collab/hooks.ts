import type { Access } from '$lib/conference/access';
import type { DocumentName, Phase, Role } from '$lib/conference/phases';
import type { Bus } from '../bus';
import type { DocStore } from '../doc-store';

/**
 * Everything the live server is handed, as Hocuspocus hands its server hooks: it imports no
 * service, so sessions, conferences and the audit log stay behind these functions.
 */

/**
 * The bus between instances: the live server publishes edits and presence, hears phase changes,
 * and reads everything again after a gap in what it heard (`onResync`).
 */
export type CollabBus = Pick<Bus, 'publish' | 'subscribe' | 'onResync'>;

/**
 * Where a document's updates are kept. `appendUpdate` resolves once the update is durable (and
 * waits, retrying, while the database is stuck: `onSaving` and `isSavingPaused` say so), or with
 * the phase that fenced it out: it is stored only while the stored phase lets that role write.
 * `isUnreadable` tells a load that failed because a stored part cannot be read (repair it) from
 * one that failed because the database did (try again). `onRewritten` tells of a compaction that
 * changed the document itself (the bin emptied after acceptance).
 */
export type DocumentStore = Pick<
	DocStore,
	'loadState' | 'appendUpdate' | 'onSaving' | 'isSavingPaused' | 'isUnreadable' | 'onRewritten'
>;

/** What the live server knows of an upgrade request before it opens anything. */
export type UpgradeRequest = {
	/** The raw Cookie header: the session travels in it. */
	cookie: string | undefined;
	conferenceId: string;
	documentName: DocumentName;
};

/** A phase with its version: the database counts the changes, so a lower version is older news. */
export type PhaseAt = { phase: Phase; version: number };

/**
 * The conference's phase and which of the asked-for sessions still hold a place in it, read in
 * one go: `signedIn` still exist, `holding` (a subset) also have an active place.
 */
export type Rights = PhaseAt & { signedIn: Set<string>; holding: Set<string> };

/** A person let in to a document, with what the hooks need to look them up again (`who`). */
export type Grant<Who> = PhaseAt & {
	ok: true;
	who: Who;
	/** The session behind the socket: signing out or leaving closes it. */
	sessionId: string;
	participantId: string;
	role: Role;
	name: string;
};

/** 401: no valid session; 403: no place in this conference, or no access to this document. */
export type Refusal = { ok: false; status: 401 | 403 };

/** A person's access to a document as it stands now, with the phase it was read in. */
export type CurrentAccess = PhaseAt & { access: Access };

/**
 * Something left a document for everyone, as the update guard saw it: a card put in the bin or
 * back, or an item deleted outright. Who did it comes from the socket's session; what it said
 * is not in here (docs/design.md §3, the log).
 */
export type RemovalEvent = {
	conferenceId: string;
	documentName: DocumentName;
	by: { name: string; role: string };
	kind: 'binned' | 'restored' | 'deleted';
	/** The list it was in: `agreements`, `groundRules`, `concerns`, `conditions`. */
	list: string;
};

export type RevocationEvent = { conferenceId: string; closed: number; elapsedMs: number };

export type CollabServerOptions<Who> = {
	bus: CollabBus;
	store: DocumentStore;
	/** Origins allowed to open a live connection; empty: only the request's own host. */
	allowedOrigins: string[];
	/** A message over this size closes its socket (1009). */
	maxMessageBytes: number;
	/** What one socket, session and room may take (docs/design.md §5.2); each missing one has its default. */
	limits?: Partial<CollabLimits>;
	/** Who is asking, from the upgrade request alone: a grant, or why not. */
	authorize(request: UpgradeRequest): Promise<Grant<Who> | Refusal>;
	/**
	 * The grant's holder's access now, or null when they lost their place. Asked again once the
	 * socket is registered, so that a removal or phase change during its opening is not missed.
	 */
	currentAccess(who: Who, conferenceId: string, documentName: DocumentName): Promise<CurrentAccess | null>;
	/** The conference's phase as stored, read once a room listens to the bus. */
	currentPhase(conferenceId: string): Promise<PhaseAt | null>;
	/**
	 * The lease: asked every `leaseMs`, and after every gap on the bus, for every open conference at
	 * once (conference id → the sessions of its open sockets). A conference missing from the answer
	 * is gone.
	 */
	currentRights(asked: Map<string, string[]>): Promise<Map<string, Rights>>;
	/** How long an open socket's right holds before it is read again (KRING_LEASE_MS). */
	leaseMs: number;
	/** How often every socket is pinged; one that did not answer the last ping is cut off (KRING_PING_INTERVAL_MS). */
	pingIntervalMs?: number;
	/** How long a room may hold updates whose predecessors it lacks before it reads the store again. */
	pendingGraceMs?: number;
	/** How long a room stays loaded after its last socket left (KRING_ROOM_GRACE_MS); 0 or none: it goes at once. */
	roomGraceMs?: number;
	/** Sockets closed by a phase change or a removal on this instance (for the audit log). */
	onRevocation?(event: RevocationEvent): void;
	/** A stored change removed something for everyone, or put it back (for the audit log). */
	onRemoval?(event: RemovalEvent): void;
	/** Logs a failure; `error` may carry a family's content, so the hook decides what is written. */
	log(message: string, error: unknown): void;
};

export type CollabLimits = {
	/** Sockets one session holds at once; one more pushes out its oldest (4409). */
	socketsPerSession: number;
	/** Sockets on one document of one conference, per instance; one more is refused (HTTP 503). */
	socketsPerRoom: number;
	/** A socket is read at this many messages per second once its burst (one second's worth) is spent. */
	messagesPerSecond: number;
	/** A socket is read at this many bytes per second once its burst is spent. */
	bytesPerSecond: number;
	/** Messages held for a socket that is not settled yet; one more closes it (4429). */
	pendingMessages: number;
	/** Bytes held for a socket that is not settled yet; more closes it (4429). */
	pendingBytes: number;
};
