import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { HEARTBEAT, isHeartbeat } from '$lib/collab/heartbeat';
import { isDocumentName, type DocumentName } from '$lib/conference/phases';
import type { Envelope } from '../bus';
import { CollabConnection } from './connection';
import type { CollabLimits, CollabServerOptions, Grant, Rights } from './hooks';
import { PendingMessages, ReadThrottle, SessionSockets, type RateLimits } from './limits';
import { colorFor } from './presence';
import { CLOSE } from './protocol';
import { MalformedMessageError, Room } from './room';

const PATH = /^\/collab\/([a-z0-9]{1,64})\/([a-z]+)$/;

/** A lease not renewed for this many periods (the database does not answer) has lapsed. */
const LEASE_LAPSES_AFTER = 3;

/** The limits a server has when it is given none (docs/design.md §5.2); pending bytes default to one largest message. */
const DEFAULT_LIMITS: Omit<CollabLimits, 'pendingBytes'> = {
	socketsPerSession: 8,
	socketsPerRoom: 200,
	messagesPerSecond: 100,
	bytesPerSecond: 1024 * 1024,
	pendingMessages: 256
};

type Why = { code: number; reason: string };
/**
 * A socket counted against its session, closed the way its stage allows when the session opens
 * too many: through its connection once it is in a room, else as a bare socket.
 */
type HeldSocket = { ws: WebSocket; room: Room | null; connection: CollabConnection | null };

/**
 * The collaboration endpoint: checks the origin of every upgrade and lets `authorize` decide who
 * may open which document, and keeps the rooms. Phase changes and removals arrive over the bus
 * and are applied to every open socket on this instance at once. Because a bus message can be
 * lost, every socket's right is also read again from the database on a short lease, and after
 * every gap on the bus. `Who` is whatever the hooks need to look a person up again (the
 * session's identity, in Kring).
 */
export class CollabServer<Who = unknown> {
	private readonly wss: WebSocketServer;
	private readonly rooms = new Map<string, Room>();
	private readonly unsubscribe: () => void;
	private readonly limits: CollabLimits;
	private readonly sessions: SessionSockets<HeldSocket>;
	private readonly unsubscribeSaving: () => void;
	private readonly unsubscribeRewritten: () => void;
	private readonly stopResync: () => void;
	private readonly leaseTimer: ReturnType<typeof setInterval>;
	/** The lease read running, if any: one for every open conference, and reads never overlap. */
	private leaseRead: Promise<void> | null = null;
	/** When a read of each open conference's rights last answered (performance.now()). */
	private readonly renewedAt = new Map<string, number>();
	/** Sockets that answered the last ping (or are new since it); the others are dead at the next one. */
	private readonly answered = new WeakSet<WebSocket>();
	/** One pong listener for every socket (ws calls it with the socket as `this`), not a closure each. */
	private readonly markAnswered = answeredIn(this.answered);
	/** The read rate and the backlog bound of every socket: one object each, shared by all sockets. */
	private readonly readLimits: RateLimits;
	private readonly pendingLimits: { messages: number; bytes: number };
	private readonly pingTimer: ReturnType<typeof setInterval>;

	constructor(private readonly options: CollabServerOptions<Who>) {
		this.limits = { ...DEFAULT_LIMITS, pendingBytes: options.maxMessageBytes, ...options.limits };
		this.sessions = new SessionSockets(this.limits.socketsPerSession);
		this.readLimits = {
			messagesPerSecond: this.limits.messagesPerSecond,
			bytesPerSecond: this.limits.bytesPerSecond,
			burstBytes: Math.max(this.limits.bytesPerSecond, options.maxMessageBytes)
		};
		this.pendingLimits = { messages: this.limits.pendingMessages, bytes: this.limits.pendingBytes };
		this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes });
		this.unsubscribe = options.bus.subscribe((message, local) => this.onBus(message, local));
		this.unsubscribeSaving = options.store.onSaving((conferenceId, documentName, paused) =>
			this.rooms.get(`${conferenceId}/${documentName}`)?.tellSaving(paused)
		);
		this.unsubscribeRewritten = options.store.onRewritten((conferenceId, documentName) =>
			this.takeRewritten(conferenceId, documentName)
		);
		this.stopResync = options.bus.onResync(() => this.resync());
		this.leaseTimer = setInterval(() => void this.renewLeases(), options.leaseMs);
		this.leaseTimer.unref();
		this.pingTimer = setInterval(() => this.pingAll(), options.pingIntervalMs ?? 30_000);
		this.pingTimer.unref();
	}

	/**
	 * Pings every socket; one that did not answer the previous ping is dead (a phone gone from the
	 * Wi-Fi without closing) and is cut off, which frees its place in the room and its presence.
	 * As Hocuspocus and the ws documentation do. A socket paused by its read throttle answers late
	 * too: paused that long, it is a flood.
	 */
	private pingAll(): void {
		for (const ws of this.wss.clients) {
			if (!this.answered.has(ws)) {
				ws.terminate();
				continue;
			}
			this.answered.delete(ws);
			ws.ping();
		}
	}

	/** Returns false when the request is not for the collab endpoint, so others may take it. */
	handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
		const url = new URL(request.url ?? '/', 'http://kring.invalid');
		if (!url.pathname.startsWith('/collab/')) return false;
		this.authenticate(request, url.pathname).then(
			(grant) => {
				if (!grant.ok) return refuse(socket, grant.status);
				// A full room takes nobody more. Counted and reserved in this same tick (attach() counts the
				// socket as arriving before its first await), so a burst of upgrades cannot slip past it.
				if (this.socketsIn(grant.conferenceId, grant.documentName) >= this.limits.socketsPerRoom)
					return refuse(socket, 503);
				this.wss.handleUpgrade(request, socket, head, (ws) => {
					this.attach(ws, grant, socket).catch((error: Error) => {
						this.options.log('[collab] could not open document:', error);
						const why = this.options.store.isUnreadable(error) ? CLOSE.unreadable : CLOSE.storageFailed;
						ws.close(why.code, why.reason);
					});
				});
			},
			(error: Error) => {
				this.options.log('[collab] upgrade failed:', error);
				refuse(socket, 500);
			}
		);
		return true;
	}

	private async authenticate(
		request: IncomingMessage,
		pathname: string
	): Promise<(Grant<Who> & { conferenceId: string; documentName: DocumentName }) | { ok: false; status: number }> {
		const match = PATH.exec(pathname);
		if (!match || !isDocumentName(match[2])) return { ok: false, status: 404 };
		const conferenceId = match[1];
		const documentName: DocumentName = match[2];
		const origin = request.headers.origin;
		// Browsers always send Origin on a WebSocket; a foreign one is a cross-site hijack attempt.
		if (origin !== undefined && !this.isAllowedOrigin(origin, request.headers.host)) return { ok: false, status: 403 };
		const grant = await this.options.authorize({ cookie: request.headers.cookie, conferenceId, documentName });
		return grant.ok ? { ...grant, conferenceId, documentName } : grant;
	}

	private isAllowedOrigin(origin: string, host: string | undefined): boolean {
		const allowed = this.options.allowedOrigins;
		if (allowed.length > 0) return allowed.includes(origin);
		try {
			return new URL(origin).host === host;
		} catch {
			return false;
		}
	}

	private async attach(
		ws: WebSocket,
		grant: Grant<Who> & { conferenceId: string; documentName: DocumentName },
		transport: Duplex
	) {
		// The closures made here outlive this call as long as the socket is open, and hold every
		// variable any of them names: what a socket keeps is only what they name (no grant, no backlog).
		ws.binaryType = 'nodebuffer';
		// From the first frame on: ws reports a broken frame as an 'error' event, and one with no
		// listener (while the room below is still loading) would bring the whole process down.
		ws.on('error', terminateSoon);
		this.answered.add(ws);
		ws.on('pong', this.markAnswered);
		// What arrives before the socket is settled is held, up to a bound (GHSA-xwhh-v746-pj9m).
		let pending: PendingMessages | null = new PendingMessages(this.pendingLimits);
		// Every message passes the socket's rate, from the first one on; over it, the socket is not
		// read for a while (limits.ts). Throttled, not closed: a burst of typing loses nothing.
		// The board's heartbeat is answered at once, even while the document loads: it asks whether
		// the connection lives, not whether the document is open.
		const throttle = new ReadThrottle(ws, this.readLimits, (data) => {
			if (isHeartbeat(data)) return sendHeartbeat(ws);
			if (!pending?.hold(data)) closeSocket(ws, CLOSE.flooded);
		});
		ws.on('message', (data: Buffer) => throttle.push(data));
		const sessionId = grant.sessionId;
		const held: HeldSocket = { ws, room: null, connection: null };
		for (const old of this.sessions.add(sessionId, held)) closeHeld(old, CLOSE.superseded);
		ws.on('close', () => {
			throttle.stop();
			this.sessions.remove(sessionId, held);
			if (!held.room || !held.connection) return;
			held.room.remove(held.connection);
			this.releaseIfEmpty(held.room);
		});
		const room = await this.openRoom(grant.conferenceId, grant.documentName, grant.phase, grant.version);
		room.arriving--;
		// Gone while the room loaded: its 'close' came before anyone listened for it.
		if (ws.readyState !== ws.OPEN) return this.releaseIfEmpty(room);
		const connection = new CollabConnection(
			ws,
			sessionId,
			grant.participantId,
			grant.role,
			{
				name: grant.name,
				role: grant.role,
				color: colorFor(grant.participantId),
				participantId: grant.participantId
			},
			'none',
			transport
		);
		held.room = room;
		held.connection = connection;
		// The grant was read before the room existed or loaded; a removal or phase change published
		// meanwhile reached no socket. Registered first (receiving nothing), then checked again, the
		// socket misses nothing: what was published before the check is in the database, what comes
		// after reaches it through the bus.
		room.register(connection);
		const current = await this.options.currentAccess(grant.who, room.conferenceId, room.documentName);
		if (ws.readyState !== ws.OPEN) {
			room.remove(connection);
			return this.releaseIfEmpty(room);
		}
		if (current) room.applyPhase(current.phase, current.version);
		// The room may know of a later phase than the one the hook read: the stricter answer counts.
		connection.access = current && current.access !== 'none' ? room.accessFor(connection) : 'none';
		connection.pending = false;
		if (connection.access === 'none') {
			connection.close(CLOSE.revoked.code, CLOSE.revoked.reason);
			room.remove(connection);
			return;
		}
		room.add(connection);
		for (const data of pending.drain()) this.take(room, connection, data);
		pending = null;
		throttle.deliver = (data) => (isHeartbeat(data) ? sendHeartbeat(ws) : this.take(room, connection, data));
	}

	/**
	 * One message of a settled socket: parsed at once (a broken one closes the socket), then
	 * applied in the socket's order.
	 */
	private take(room: Room, connection: CollabConnection, data: Buffer): void {
		let step: () => void | Promise<void>;
		try {
			step = room.accept(connection, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
		} catch (error) {
			return this.refuseMessage(room, connection, error);
		}
		connection.enqueue(async () => {
			try {
				await step();
			} catch (error) {
				this.refuseMessage(room, connection, error);
			}
		});
	}

	private refuseMessage(room: Room, connection: CollabConnection, error: unknown): void {
		const malformed = error instanceof MalformedMessageError;
		this.options.log(
			`[collab] ${malformed ? 'refused a' : 'could not store a'} message on ${room.conferenceId}/${room.documentName}:`,
			error
		);
		const why = malformed ? CLOSE.malformed : CLOSE.storageFailed;
		connection.close(why.code, why.reason);
	}

	private async openRoom(
		conferenceId: string,
		documentName: DocumentName,
		phase: Room['phase'],
		version: number
	): Promise<Room> {
		const key = `${conferenceId}/${documentName}`;
		let room = this.rooms.get(key);
		// A room in its grace period is taken up again as it is: no load, and it heard everything meanwhile.
		room?.keep();
		if (!room) {
			// The room listens to the bus from the moment it exists, before it loads: no update is missed.
			room = new Room(
				conferenceId,
				documentName,
				phase,
				version,
				this.options.store,
				this.options.bus,
				() => this.options.currentPhase(conferenceId),
				{
					pendingGraceMs: this.options.pendingGraceMs,
					onRevocation: (closed) => this.reportRevocation(conferenceId, closed, 0),
					onRemoval: (event) => this.options.onRemoval?.({ conferenceId, documentName, ...event }),
					log: this.options.log
				}
			);
			// The grant was read from the database just now: the lease runs from here.
			if (!this.renewedAt.has(conferenceId)) this.renewedAt.set(conferenceId, performance.now());
			this.rooms.set(key, room);
			room.loaded.catch(() => {
				if (this.rooms.get(key) === room) this.rooms.delete(key);
			});
		}
		// A socket on its way in keeps the room open, even if the last one leaves meanwhile.
		room.arriving++;
		try {
			await room.loaded;
		} catch (error) {
			room.arriving--;
			throw error;
		}
		return room;
	}

	/** Sockets on one document here, those still on their way in included. */
	private socketsIn(conferenceId: string, documentName: DocumentName): number {
		const room = this.rooms.get(`${conferenceId}/${documentName}`);
		return room ? room.connections.size + room.arriving : 0;
	}

	/**
	 * A room whose last socket left stays loaded for the grace period (a phone reconnecting after a
	 * Wi-Fi hiccup or a reload finds it as it was), then goes. Meanwhile it is a room like any other:
	 * it hears the bus, takes phase news, and its conference's lease is read.
	 */
	private releaseIfEmpty(room: Room): void {
		if (!this.isIdle(room)) return;
		const grace = this.options.roomGraceMs ?? 0;
		if (grace > 0) room.unloadAfter(grace, () => this.unloadIfIdle(room));
		else this.unloadIfIdle(room);
	}

	private isIdle(room: Room): boolean {
		return (
			room.connections.size === 0 &&
			room.arriving === 0 &&
			this.rooms.get(`${room.conferenceId}/${room.documentName}`) === room
		);
	}

	private unloadIfIdle(room: Room): void {
		if (!this.isIdle(room)) return;
		this.rooms.delete(`${room.conferenceId}/${room.documentName}`);
		room.destroy();
		if (this.roomsOf(room.conferenceId).length === 0) this.renewedAt.delete(room.conferenceId);
	}

	/**
	 * A compaction changed the stored document itself (the bin emptied after acceptance): a room in
	 * its grace period goes, so the next socket loads what is stored; an open one catches up.
	 */
	private takeRewritten(conferenceId: string, documentName: DocumentName): void {
		const room = this.rooms.get(`${conferenceId}/${documentName}`);
		if (!room) return;
		this.unloadIfIdle(room);
		if (this.rooms.get(`${conferenceId}/${documentName}`) !== room) return;
		room
			.catchUp()
			.catch((error) => this.options.log(`[collab] could not catch up ${conferenceId}/${documentName}:`, error));
	}

	private openConferences(): Set<string> {
		return new Set([...this.rooms.values()].map((room) => room.conferenceId));
	}

	/**
	 * The lease: reads the phase and the places of every open socket of every open conference again,
	 * in one query, and applies them as a phase change and removals would. One query, not one per
	 * conference: reads that all started in the same tick took the database's connections at once,
	 * and the live edits' commits waited behind them. A timer tick while a read runs leaves it at
	 * that one; `fresh` (after a gap on the bus) waits for it and reads again.
	 */
	private renewLeases(fresh = false): Promise<void> {
		const running = this.leaseRead;
		if (running && !fresh) return running;
		const read = (running ?? Promise.resolve()).then(() => this.readRights());
		this.leaseRead = read;
		void read.finally(() => {
			if (this.leaseRead === read) this.leaseRead = null;
		});
		return read;
	}

	private async readRights(): Promise<void> {
		// Only sockets open now are judged: one registered after the read began had its own check.
		const asked = new Map<string, Set<string>>();
		for (const room of this.rooms.values()) {
			const sessions = asked.get(room.conferenceId) ?? new Set<string>();
			for (const connection of room.connections) sessions.add(connection.sessionId);
			asked.set(room.conferenceId, sessions);
		}
		if (asked.size === 0) return;
		let rights: Map<string, Rights>;
		try {
			rights = await this.options.currentRights(new Map([...asked].map(([id, sessions]) => [id, [...sessions]])));
		} catch (error) {
			this.options.log(`[collab] could not renew the lease of ${asked.size} conference(s):`, error);
			for (const conferenceId of asked.keys()) this.lapseIfOverdue(conferenceId);
			return;
		}
		for (const [conferenceId, sessions] of asked) this.applyRights(conferenceId, sessions, rights.get(conferenceId));
	}

	/** Applies what the lease read of one conference; `rights` undefined: the conference is gone. */
	private applyRights(conferenceId: string, asked: Set<string>, rights: Rights | undefined): void {
		if (this.roomsOf(conferenceId).length > 0) this.renewedAt.set(conferenceId, performance.now());
		const started = performance.now();
		let closed = 0;
		for (const room of this.roomsOf(conferenceId)) {
			// The conference is gone (erased): nobody holds a place in it any more, as erasure itself says,
			// and its rooms leave memory now rather than after their grace.
			if (!rights) {
				closed += room.closeWhere(() => true, CLOSE.removed.code, CLOSE.removed.reason);
				room.gone = true;
				this.unloadIfIdle(room);
				continue;
			}
			const { signedIn, holding } = rights;
			closed += room.applyPhase(rights.phase, rights.version);
			closed += room.closeWhere(
				(c) => asked.has(c.sessionId) && !signedIn.has(c.sessionId),
				CLOSE.signedOut.code,
				CLOSE.signedOut.reason
			);
			closed += room.closeWhere(
				(c) => asked.has(c.sessionId) && !holding.has(c.sessionId),
				CLOSE.removed.code,
				CLOSE.removed.reason
			);
		}
		this.reportRevocation(conferenceId, closed, performance.now() - started);
	}

	/** Rights nobody could read again for several lease periods have lapsed: the clients reconnect. */
	private lapseIfOverdue(conferenceId: string): void {
		const since = this.renewedAt.get(conferenceId);
		if (since === undefined || performance.now() - since < LEASE_LAPSES_AFTER * this.options.leaseMs) return;
		let closed = 0;
		for (const room of this.roomsOf(conferenceId))
			closed += room.closeWhere(() => true, CLOSE.storageFailed.code, CLOSE.storageFailed.reason);
		this.reportRevocation(conferenceId, closed, 0);
	}

	/**
	 * After a gap on the bus (the bus holds newer messages until this has run): every open
	 * conference's rights are read again first, then each room catches up its document from the
	 * store and asks the other instances for their presence again.
	 */
	private async resync(): Promise<void> {
		await this.renewLeases(true);
		await Promise.all(
			[...this.openConferences()].map(async (conferenceId) => {
				await Promise.all(
					this.roomsOf(conferenceId).map(async (room) => {
						try {
							await room.catchUp();
						} catch (error) {
							this.options.log(`[collab] could not catch up ${conferenceId}/${room.documentName}:`, error);
						}
						room.publishLocalAwareness();
						this.options.bus.publish({ type: 'awareness-query', conferenceId, document: room.documentName });
					})
				);
			})
		);
	}

	private roomsOf(conferenceId: string): Room[] {
		return [...this.rooms.values()].filter((room) => room.conferenceId === conferenceId);
	}

	private onBus(message: Envelope, local: boolean): void {
		switch (message.type) {
			case 'phase': {
				const started = performance.now();
				let closed = 0;
				for (const room of this.roomsOf(message.conferenceId))
					closed += room.applyPhase(message.phase, message.version);
				this.reportRevocation(message.conferenceId, closed, performance.now() - started);
				break;
			}
			case 'session-ended': {
				for (const room of this.rooms.values())
					room.closeSession(message.sessionId, CLOSE.signedOut.code, CLOSE.signedOut.reason);
				break;
			}
			case 'participant-removed': {
				const started = performance.now();
				let closed = 0;
				for (const room of this.roomsOf(message.conferenceId)) {
					closed += room.closeParticipant(message.participantId, CLOSE.removed.code, CLOSE.removed.reason);
				}
				this.reportRevocation(message.conferenceId, closed, performance.now() - started);
				break;
			}
			// The room that published an update or presence has it already; taking its own presence
			// back as another instance's would mark its sockets' client ids as claimed elsewhere.
			case 'doc-update':
				if (!local) this.rooms.get(`${message.conferenceId}/${message.document}`)?.applyFromBus(message.payload);
				break;
			case 'awareness':
				if (!local)
					this.rooms.get(`${message.conferenceId}/${message.document}`)?.applyAwarenessFromBus(message.payload);
				break;
			case 'awareness-query':
				if (!local) this.rooms.get(`${message.conferenceId}/${message.document}`)?.publishLocalAwareness();
				break;
		}
	}

	private reportRevocation(conferenceId: string, closed: number, elapsedMs: number): void {
		if (closed === 0) return;
		this.options.onRevocation?.({ conferenceId, closed, elapsedMs });
	}

	/** Documents of a conference loaded here, those in their grace period included (for tests). */
	loadedRoomCount(conferenceId: string): number {
		return this.roomsOf(conferenceId).length;
	}

	/** Open sockets per conference, for the status line and tests. */
	connectionCount(conferenceId: string): number {
		return this.roomsOf(conferenceId).reduce((sum, room) => sum + room.connections.size, 0);
	}

	/** Closes every socket with 1012 and resolves once they are closed; their last edits are handed to the store. */
	async close(): Promise<void> {
		this.unsubscribe();
		this.stopResync();
		clearInterval(this.leaseTimer);
		clearInterval(this.pingTimer);
		this.unsubscribeSaving();
		this.unsubscribeRewritten();
		const rooms = [...this.rooms.values()];
		await Promise.all(
			rooms.flatMap((room) =>
				[...room.connections].map((connection) =>
					connection.closeForRestart(CLOSE.shuttingDown.code, CLOSE.shuttingDown.reason)
				)
			)
		);
		for (const room of rooms) room.destroy();
		this.rooms.clear();
		this.wss.close();
	}
}

/** ws has already sent the close frame of a broken frame (1002, or 1009 for one over the limit): let it reach the client, then cut the socket off. */
function terminateSoon(this: WebSocket): void {
	setTimeout(() => this.terminate(), 2000).unref();
}

function answeredIn(answered: WeakSet<WebSocket>): (this: WebSocket) => void {
	return function (this: WebSocket) {
		answered.add(this);
	};
}

function sendHeartbeat(ws: WebSocket): void {
	if (ws.readyState === ws.OPEN) ws.send(HEARTBEAT);
}

function refuse(socket: Duplex, status: number): void {
	const text =
		{
			401: 'Unauthorized',
			403: 'Forbidden',
			404: 'Not Found',
			500: 'Internal Server Error',
			503: 'Service Unavailable'
		}[status] ?? 'Error';
	socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nCache-Control: no-store\r\nContent-Length: 0\r\n\r\n`);
}

function closeHeld(held: HeldSocket, why: Why): void {
	if (!held.room || !held.connection) return closeSocket(held.ws, why);
	held.connection.close(why.code, why.reason);
	held.room.remove(held.connection);
}

/** Closes a socket that has no connection (yet); one that does not answer the close frame is cut off. */
function closeSocket(ws: WebSocket, why: Why): void {
	if (ws.readyState !== ws.OPEN && ws.readyState !== ws.CONNECTING) return;
	ws.close(why.code, why.reason);
	setTimeout(() => ws.terminate(), 2000).unref();
}
