import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { access, type Access } from '$lib/conference/access';
import type { DocumentName, Phase } from '$lib/conference/phases';
import { DOCUMENT_SHAPES } from '$lib/plan/shape';
import { authorRule, UpdateGuard, type Refusal as UpdateRefusal, type TouchedPlace } from '$lib/plan/update-guard';
import { READ_PROBLEMS } from '$lib/plan/update-reader';
import type { CollabConnection } from './connection';
import type { CollabBus, DocumentStore, PhaseAt, RemovalEvent } from './hooks';
import { sanitizeAwarenessUpdate } from './presence';
import {
	assertValidUpdate,
	CLOSE,
	encodeAwareness,
	encodeAwarenessPayload,
	encodePermissionDenied,
	encodeSaving,
	encodeSyncStep1,
	encodeSyncStep2,
	encodeUpdate,
	MESSAGE_AWARENESS,
	MESSAGE_QUERY_AWARENESS,
	MESSAGE_SYNC
} from './protocol';

const FROM_BUS = Symbol('from-bus');
const FROM_STORE = Symbol('from-store');
/** Read again from the store while the room is open: sent to its sockets, not published again. */
const FROM_CATCH_UP = Symbol('from-catch-up');

export type RoomOptions = {
	/** How long updates may wait for a predecessor the room lacks before it reads the store again. */
	pendingGraceMs?: number;
	/** Sockets this room closed by itself (a write fenced out by a newer phase), for the audit log. */
	onRevocation?: (closed: number) => void;
	/** A stored change from a socket removed something, or put a card back (for the audit log). */
	onRemoval?: (event: Pick<RemovalEvent, 'by' | 'kind' | 'list'>) => void;
	log?: (message: string, error: unknown) => void;
};

/**
 * One live document (the brief or the plan of one conference) with the sockets on it.
 * Every change is committed to the store before it is applied and sent to anyone.
 */
export class Room {
	readonly doc = new Y.Doc({ gc: true });
	readonly awareness = new awarenessProtocol.Awareness(this.doc);
	readonly connections = new Set<CollabConnection>();
	/** Sockets authenticated for this room and waiting for it to load. */
	arriving = 0;
	readonly loaded: Promise<void>;
	private destroyed = false;
	/** The conference is gone (erased): the room leaves memory with its last socket, without grace. */
	gone = false;
	/** While no socket is on the room: the timer that unloads it when its grace period ends. */
	private unloadTimer: ReturnType<typeof setTimeout> | null = null;
	private pendingTimer: ReturnType<typeof setTimeout> | null = null;
	/** The held-back updates a catch-up already tried to complete: not tried again until more arrive. */
	private caughtUpFor: unknown = null;
	/**
	 * The sanitised presence update being applied: sent on as it is when it says exactly what
	 * the awareness would encode for the change, instead of being encoded a second time.
	 */
	private applyingSanitised: Uint8Array | null = null;
	/** Decides which updates from sockets may enter the document (docs/design.md §5.2). */
	private readonly guard: UpdateGuard;

	constructor(
		readonly conferenceId: string,
		readonly documentName: DocumentName,
		public phase: Phase,
		/** The version of `phase`: news with a lower one is older and changes nothing. */
		public phaseVersion: number,
		private readonly store: DocumentStore,
		private readonly bus: CollabBus,
		currentPhase: () => Promise<PhaseAt | null>,
		private readonly options: RoomOptions = {}
	) {
		this.awareness.setLocalState(null);
		this.guard = new UpdateGuard(this.doc, documentName);
		this.doc.on('update', (update: Uint8Array, origin: unknown) => {
			if (origin === FROM_STORE) return;
			this.sendToAll({ update });
			if (origin !== FROM_BUS && origin !== FROM_CATCH_UP)
				this.bus.publish({ type: 'doc-update', conferenceId, document: documentName, payload: update });
		});
		this.awareness.on('update', ({ added, updated, removed }: AwarenessChange, origin: unknown) => {
			const changed = [...added, ...updated, ...removed];
			if (changed.length === 0) return;
			const forwarded = this.applyingSanitised;
			const payload =
				forwarded && encodesExactly(forwarded, changed, this.awareness)
					? forwarded
					: awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed);
			this.sendToAll({ presence: payload });
			if (origin !== FROM_BUS) this.bus.publish({ type: 'awareness', conferenceId, document: documentName, payload });
		});
		// The phase is read again once the room listens to the bus: a hand-over that happened
		// between the socket's authentication and now is not missed.
		this.loaded = Promise.all([this.store.loadState(conferenceId, documentName), currentPhase()]).then(
			([state, current]) => {
				if (state) Y.applyUpdate(this.doc, state, FROM_STORE);
				if (current) this.applyPhase(current.phase, current.version);
			}
		);
		// Presence is not stored: ask the other instances who is on this document there already.
		this.bus.publish({ type: 'awareness-query', conferenceId, document: documentName });
	}

	/**
	 * What the room sends to every socket until the current burst of work ends (a turn later).
	 * Document updates leave as one merged update: a commit that stores many edits of a room at
	 * once, or a backlog of bus messages, costs each socket one message instead of one per edit.
	 * Presence leaves after them as one awareness update holding each changed client's latest
	 * state (a caret is never sent ahead of an edit of the same turn it may point into). Nothing
	 * is added here before it is stored.
	 */
	private outgoingUpdates: Uint8Array[] = [];
	private outgoingPresence: Uint8Array[] = [];

	private sendToAll(next: { update: Uint8Array } | { presence: Uint8Array }): void {
		if (this.outgoingUpdates.length === 0 && this.outgoingPresence.length === 0) setImmediate(this.flushOutgoing);
		if ('update' in next) this.outgoingUpdates.push(next.update);
		else this.outgoingPresence.push(next.presence);
	}

	private readonly flushOutgoing = (): void => {
		const updates = this.outgoingUpdates;
		const presence = this.outgoingPresence;
		this.outgoingUpdates = [];
		this.outgoingPresence = [];
		if (this.destroyed) return;
		if (updates.length > 0) {
			const message = encodeUpdate(updates.length === 1 ? updates[0] : Y.mergeUpdates(updates));
			for (const connection of this.connections) connection.send(message);
		}
		if (presence.length > 0) {
			const message = encodeAwarenessPayload(presence.length === 1 ? presence[0] : mergeAwarenessUpdates(presence));
			for (const connection of this.connections) connection.send(message);
		}
	};

	/** Sends the presence of this instance's sockets to the other instances (asked for by a new room). */
	publishLocalAwareness(): void {
		const states = this.awareness.getStates();
		const local = [...this.connections]
			.flatMap((connection) => [...connection.clientIds])
			.filter((id) => states.has(id));
		if (local.length === 0) return;
		const payload = awarenessProtocol.encodeAwarenessUpdate(this.awareness, local);
		this.bus.publish({ type: 'awareness', conferenceId: this.conferenceId, document: this.documentName, payload });
	}

	accessFor(connection: CollabConnection): Access {
		return access(connection.role, this.phase, this.documentName);
	}

	/** A socket whose access is not settled yet: it receives nothing, but phase changes and removals reach it. */
	register(connection: CollabConnection): void {
		this.connections.add(connection);
	}

	/** Joins a socket: the server asks what it has and tells it who is here. */
	add(connection: CollabConnection): void {
		this.connections.add(connection);
		if (connection.access === 'write') connection.send(encodeSyncStep1(this.doc));
		const states = [...this.awareness.getStates().keys()];
		if (states.length > 0) connection.send(encodeAwareness(this.awareness, states));
		if (this.store.isSavingPaused(this.conferenceId, this.documentName)) connection.send(encodeSaving(true));
	}

	/** Tells every socket that storing this document's edits has stalled, or works again. */
	tellSaving(paused: boolean): void {
		const message = encodeSaving(paused);
		for (const connection of this.connections) connection.send(message);
	}

	remove(connection: CollabConnection): void {
		if (!this.connections.delete(connection)) return;
		// An id the same person already uses again on a newer socket stays present.
		const own = [...connection.clientIds].filter(
			(id) => this.awareness.getStates().has(id) && ![...this.connections].some((other) => other.clientIds.includes(id))
		);
		if (own.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, own, connection);
	}

	/**
	 * Applies a new phase to every socket: closes those that lose access, downgrades the rest.
	 * News with a lower version than the room knows (a late bus message, a slow read) changes
	 * nothing; the database counts the versions, so no instance's clock decides.
	 */
	applyPhase(phase: Phase, version: number): number {
		if (version < this.phaseVersion) return 0;
		this.phase = phase;
		this.phaseVersion = version;
		let closed = 0;
		for (const connection of [...this.connections]) {
			const next = this.accessFor(connection);
			if (next === 'none') {
				connection.close(CLOSE.revoked.code, CLOSE.revoked.reason);
				this.remove(connection);
				closed++;
			} else if (!connection.pending && next !== connection.access) {
				connection.access = next;
				connection.downgradeAllowedAgain();
				if (next === 'write') connection.send(encodeSyncStep1(this.doc));
			}
		}
		return closed;
	}

	/**
	 * Reads the stored document again and applies what the room lacks (Yjs takes only what is new),
	 * sending it to the sockets here. For updates lost on the bus, and for updates held because a
	 * predecessor never arrived. The whole document is read: the log's ids are not commit order
	 * between instances, so "stored since id n" could skip one committed late.
	 */
	async catchUp(): Promise<void> {
		const state = await this.store.loadState(this.conferenceId, this.documentName);
		if (state && !this.destroyed) Y.applyUpdate(this.doc, state, FROM_CATCH_UP);
	}

	/** Yjs holds an update whose predecessor it lacks; if it still does after a moment, catch up. */
	private watchPending(): void {
		if (this.pendingTimer || this.destroyed || !this.heldBack()) return;
		this.pendingTimer = setTimeout(() => {
			this.pendingTimer = null;
			const held = this.heldBack();
			if (!held || held === this.caughtUpFor || this.destroyed) return;
			this.caughtUpFor = held;
			this.catchUp().catch((error) => {
				this.caughtUpFor = null;
				this.options.log?.(`[collab] could not catch up ${this.conferenceId}/${this.documentName}:`, error);
				this.watchPending();
			});
		}, this.options.pendingGraceMs ?? 1000);
		this.pendingTimer.unref?.();
	}

	private heldBack(): unknown {
		return this.doc.store.pendingStructs ?? this.doc.store.pendingDs;
	}

	closeParticipant(participantId: string, code: number, reason: string): number {
		return this.closeWhere((connection) => connection.participantId === participantId, code, reason);
	}

	closeSession(sessionId: string, code: number, reason: string): number {
		return this.closeWhere((connection) => connection.sessionId === sessionId, code, reason);
	}

	closeWhere(match: (connection: CollabConnection) => boolean, code: number, reason: string): number {
		let closed = 0;
		for (const connection of [...this.connections]) {
			if (!match(connection)) continue;
			connection.close(code, reason);
			this.remove(connection);
			closed++;
		}
		return closed;
	}

	applyFromBus(update: Uint8Array): void {
		Y.applyUpdate(this.doc, update, FROM_BUS);
		this.watchPending();
	}

	applyAwarenessFromBus(payload: Uint8Array): void {
		const decoder = decoding.createDecoder(payload);
		const count = decoding.readVarUint(decoder);
		for (let i = 0; i < count; i++) {
			const clientId = decoding.readVarUint(decoder);
			decoding.readVarUint(decoder);
			if (this.claims.has(clientId)) {
				skipVarString(decoder);
				continue;
			}
			const owner = participantOf(decoding.readVarString(decoder));
			if (owner) this.claims.set(clientId, owner);
		}
		this.applyAwareness(payload, FROM_BUS);
	}

	/** Applies a sanitised presence update (from a socket, or from another instance's). */
	private applyAwareness(payload: Uint8Array, origin: unknown): void {
		this.applyingSanitised = payload;
		try {
			awarenessProtocol.applyAwarenessUpdate(this.awareness, payload, origin);
		} finally {
			this.applyingSanitised = null;
		}
	}

	/**
	 * Takes one message from a socket. Parsing happens at once (MalformedMessageError for bytes
	 * that are not the protocol), and so does storing an update: a burst of typing shares one
	 * commit. The returned step applies the message and must run in the socket's order; it
	 * applies an update only once it is stored, and rejects if storing failed.
	 */
	accept(connection: CollabConnection, data: Uint8Array): () => void | Promise<void> {
		if (connection.access === 'none') return () => {};
		const message = parseMessage(data);
		switch (message.kind) {
			case 'sync-step-1':
				return () => connection.send(encodeSyncStep2(this.doc, message.stateVector));
			case 'update':
				return this.acceptUpdate(connection, message.update);
			case 'awareness':
				return () => {
					// This may have waited behind the socket's stored edits: a socket gone meanwhile (revoked,
					// refused, disconnected) has had its presence removed, and must not bring it back.
					if (connection.access === 'none' || !this.connections.has(connection)) return;
					let clean: Uint8Array | null;
					try {
						clean = sanitizeAwarenessUpdate(message.payload, connection, (id) => this.isClaimedByOther(id, connection));
					} catch (error) {
						// JSON.parse quotes the start of its input in its message, and that input may be the plan.
						const detail =
							error instanceof SyntaxError ? 'a presence state that is not JSON' : (error as Error).message;
						throw new MalformedMessageError(`awareness: ${detail}`);
					}
					for (const id of connection.clientIds)
						if (!this.claims.has(id)) this.claims.set(id, connection.participantId);
					if (clean) this.applyAwareness(clean, connection);
				};
			case 'query-awareness':
				return () => connection.send(encodeAwareness(this.awareness, [...this.awareness.getStates().keys()]));
		}
	}

	private acceptUpdate(connection: CollabConnection, update: Uint8Array): () => void | Promise<void> {
		if (connection.access !== 'write' || isEmptyUpdate(update)) assertWellFormed(update);
		if (isEmptyUpdate(update)) return () => {};
		if (connection.access !== 'write') {
			// Not applied, not stored, not sent on; the client hears why once.
			return () => {
				if (connection.shouldExplainDenial()) connection.socket.send(encodePermissionDenied('read-only'));
			};
		}
		// Who sent it comes from the session behind the socket, never from the update.
		const sender = { participantId: connection.participantId, role: connection.role, name: connection.user.name };
		const verdict = this.guard.admit(update, [authorRule(DOCUMENT_SHAPES[this.documentName], sender)]);
		if (!verdict.ok) {
			// Bytes that are not Yjs at all close the socket as any broken message does (4400), even
			// when the guard's reading stopped at one of its limits first.
			if (READ_PROBLEMS.has(verdict.rule)) assertWellFormed(update);
			this.refuseUpdate(connection, verdict);
			return () => {};
		}
		const stored = this.store.appendUpdate(this.conferenceId, this.documentName, update, connection.role);
		stored.catch(() => {});
		return async () => {
			const outcome = await stored.catch((error: unknown) => {
				// A failed commit fails its whole batch: none of it reaches the room, so the guard forgets it too.
				this.guard.forget();
				throw error;
			});
			if (!outcome.stored) return this.fencedOut(connection, outcome);
			// Stored first, then applied and sent on: nobody sees a change that a crash could lose.
			this.guard.applyAdmitted(() => Y.applyUpdate(this.doc, update, connection), update);
			this.watchPending();
			this.reportRemovals(connection, verdict.touched);
		};
	}

	/**
	 * What a stored update removed, read from the places the guard saw it touch: a list item
	 * deleted, or a card's bin mark (`deletedAt`) set or cleared. A card made in the same update
	 * carries an empty mark and is no removal.
	 */
	private reportRemovals(connection: CollabConnection, touched: TouchedPlace[]): void {
		const report = this.options.onRemoval;
		if (!report) return;
		const by = { name: connection.user.name, role: connection.role };
		const made = new Set(
			touched.filter((p) => p.change === 'insert' && p.field === null).map((p) => `${p.root}\u0000${p.itemId}`)
		);
		for (const place of touched) {
			if (place.itemId === null) continue;
			if (place.change === 'delete' && place.field === null) report({ by, kind: 'deleted', list: place.root });
			else if (
				place.change === 'insert' &&
				place.field === 'deletedAt' &&
				!made.has(`${place.root}\u0000${place.itemId}`)
			) {
				const item = this.doc
					.getArray<Y.Map<unknown>>(place.root)
					.toArray()
					.find((entry) => entry instanceof Y.Map && entry.get('id') === place.itemId);
				const mark = item?.get('deletedAt');
				report({ by, kind: typeof mark === 'string' && mark !== '' ? 'binned' : 'restored', list: place.root });
			}
		}
	}

	/**
	 * The store refused a write: the stored phase no longer lets this role write, and this room had
	 * not heard of it yet (a lost or late bus message). Not applied, sent to nobody; the room takes
	 * the phase at once, which closes or downgrades the sockets.
	 */
	private fencedOut(connection: CollabConnection, stored: PhaseAt): void {
		// The guard counted the refused write as part of the room; a phase that fences out one writer
		// of a document fences out all of them, so nothing admitted meanwhile is lost by forgetting.
		this.guard.forget();
		const closed = this.applyPhase(stored.phase, stored.version);
		if (closed > 0) this.options.onRevocation?.(closed);
		if (connection.access === 'none' || !this.connections.has(connection)) return;
		if (connection.access === 'read') {
			if (connection.shouldExplainDenial()) connection.socket.send(encodePermissionDenied('read-only'));
			return;
		}
		// The room knows of a later phase in which this socket writes again: the client sends it anew.
		connection.close(CLOSE.storageFailed.code, CLOSE.storageFailed.reason);
		this.remove(connection);
	}

	/**
	 * Not stored, not applied, not sent on: the sender is told why (a y-protocols auth message,
	 * "refused: <rule>") and closed at once, so nothing it sent after is taken either. A client
	 * that reconnects sends what the room lacks in full, which heals an update refused only for
	 * missing history.
	 */
	private refuseUpdate(connection: CollabConnection, refusal: UpdateRefusal): void {
		console.error(
			`[collab] refused an update on ${this.conferenceId}/${this.documentName}: ${refusal.rule} (${refusal.detail})`
		);
		connection.send(encodePermissionDenied(`refused: ${refusal.rule}`));
		const why = refusal.rule === 'malformed' ? CLOSE.malformed : CLOSE.refused;
		connection.close(why.code, why.reason);
	}

	private isClaimedByOther(clientId: number, self: CollabConnection): boolean {
		const owner = this.claims.get(clientId);
		return owner !== undefined && owner !== self.participantId;
	}

	/**
	 * Yjs client id → the participant who first published presence for it here (on any instance).
	 * Kept while the room lives, so that nobody can take over a cursor while its phone reconnects.
	 */
	private readonly claims = new Map<number, string>();

	/** Unloads the room after `ms` (its grace period) unless a socket takes it up before. */
	unloadAfter(ms: number, unload: () => void): void {
		this.keep();
		if (this.gone) return unload();
		this.unloadTimer = setTimeout(() => {
			this.unloadTimer = null;
			unload();
		}, ms);
		this.unloadTimer.unref?.();
	}

	/** A socket arrives: the room stays. */
	keep(): void {
		if (this.unloadTimer) clearTimeout(this.unloadTimer);
		this.unloadTimer = null;
	}

	destroy(): void {
		this.destroyed = true;
		this.keep();
		if (this.pendingTimer) clearTimeout(this.pendingTimer);
		this.awareness.destroy();
		this.doc.destroy();
	}
}

type AwarenessChange = { added: number[]; updated: number[]; removed: number[] };

/**
 * Awareness updates in the order they were applied, as one: each client's last entry (its
 * newest clock and state), the clients in the order they first appear.
 */
function mergeAwarenessUpdates(payloads: Uint8Array[]): Uint8Array {
	const latest = new Map<number, { clock: number; state: string }>();
	for (const payload of payloads) {
		const decoder = decoding.createDecoder(payload);
		const count = decoding.readVarUint(decoder);
		for (let i = 0; i < count; i++) {
			const clientId = decoding.readVarUint(decoder);
			const clock = decoding.readVarUint(decoder);
			latest.set(clientId, { clock, state: decoding.readVarString(decoder) });
		}
	}
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, latest.size);
	for (const [clientId, { clock, state }] of latest) {
		encoding.writeVarUint(encoder, clientId);
		encoding.writeVarUint(encoder, clock);
		encoding.writeVarString(encoder, state);
	}
	return encoding.toUint8Array(encoder);
}

/**
 * Whether `payload` holds the very entries encodeAwarenessUpdate(awareness, changed) would write:
 * the same client ids in the same order, each at the clock the awareness now holds. Its states
 * are JSON.stringify output, which the awareness parsed and would stringify back to the same text.
 */
function encodesExactly(payload: Uint8Array, changed: number[], awareness: awarenessProtocol.Awareness): boolean {
	const decoder = decoding.createDecoder(payload);
	if (decoding.readVarUint(decoder) !== changed.length) return false;
	for (const clientId of changed) {
		if (decoding.readVarUint(decoder) !== clientId) return false;
		if (decoding.readVarUint(decoder) !== awareness.meta.get(clientId)?.clock) return false;
		skipVarString(decoder);
	}
	return true;
}

/** Steps over a string without decoding it. */
function skipVarString(decoder: decoding.Decoder): void {
	decoder.pos += decoding.readVarUint(decoder);
}

/** The participant a sanitised presence state (from another instance) belongs to. */
function participantOf(raw: string): string | null {
	try {
		const owner = (JSON.parse(raw) as { user?: { participantId?: unknown } } | null)?.user?.participantId;
		return typeof owner === 'string' ? owner : null;
	} catch {
		return null;
	}
}

export class MalformedMessageError extends Error {
	constructor(detail: string) {
		super(`malformed message: ${detail}`);
		this.name = 'MalformedMessageError';
	}
}

type ParsedMessage =
	| { kind: 'sync-step-1'; stateVector: Uint8Array }
	| { kind: 'update'; update: Uint8Array }
	| { kind: 'awareness'; payload: Uint8Array }
	| { kind: 'query-awareness' };

/** Decodes a y-websocket message fully before anything acts on it. */
function parseMessage(data: Uint8Array): ParsedMessage {
	try {
		const decoder = decoding.createDecoder(data);
		const type = decoding.readVarUint(decoder);
		if (type === MESSAGE_SYNC) {
			const step = decoding.readVarUint(decoder);
			if (step === 0) {
				const stateVector = decoding.readVarUint8Array(decoder);
				// Read now, not when answering: a broken state vector is the sender's fault (4400), not the store's.
				Y.decodeStateVector(stateVector);
				return { kind: 'sync-step-1', stateVector };
			}
			// An update is read in full once, by the update guard (or by assertValidUpdate for a reader).
			if (step === 1 || step === 2) return { kind: 'update', update: decoding.readVarUint8Array(decoder) };
			throw new Error(`unknown sync step ${step}`);
		}
		if (type === MESSAGE_AWARENESS) return { kind: 'awareness', payload: decoding.readVarUint8Array(decoder) };
		if (type === MESSAGE_QUERY_AWARENESS) return { kind: 'query-awareness' };
		throw new Error(`unknown message type ${type}`);
	} catch (error) {
		throw error instanceof MalformedMessageError ? error : new MalformedMessageError((error as Error).message);
	}
}

function assertWellFormed(update: Uint8Array): void {
	try {
		assertValidUpdate(update);
	} catch (error) {
		throw new MalformedMessageError((error as Error).message);
	}
}

function isEmptyUpdate(update: Uint8Array): boolean {
	return update.length <= 2 && update.every((byte) => byte === 0);
}
