import * as decoding from 'lib0/decoding';
import { IndexeddbPersistence } from 'y-indexeddb';
import * as authProtocol from 'y-protocols/auth';
import { messageAuth, WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { Access } from '$lib/conference/access';
import type { DocumentName } from '$lib/conference/phases';
import { CLOSE } from './close-codes';
import { CONNECT_TIMEOUT_MS, DEAD_AFTER_MS, HEARTBEAT, HEARTBEAT_AFTER_MS, MESSAGE_HEARTBEAT } from './heartbeat';
import { MESSAGE_SAVING, SAVING_PAUSED } from './saving';

export type PresenceEntry = {
	clientId: number;
	name: string;
	role: string;
	color: string;
	participantId: string;
	focus?: string;
};
export type LinkState = 'connecting' | 'connected' | 'offline' | 'closed';
export type ClosedBy = 'revoked' | 'removed' | 'too_large' | 'superseded' | 'flooded' | 'refused';

/** Close codes by which the server says no on purpose, and what the board tells its user. */
const CLOSED_BY = new Map<number, ClosedBy>([
	[CLOSE.revoked.code, 'revoked'],
	// also a session signed out elsewhere (CLOSE.signedOut): the same code
	[CLOSE.removed.code, 'removed'],
	[CLOSE.tooLarge.code, 'too_large'],
	// this device opened the board again elsewhere (another tab): this page makes way
	[CLOSE.superseded.code, 'superseded'],
	// more was sent before the document was open than the server holds
	[CLOSE.flooded.code, 'flooded']
]);

/**
 * One live document in the browser: a Yjs doc synced over the collab WebSocket and, on the
 * family's own devices, kept in IndexedDB so edits survive a reload or a dropped Wi-Fi.
 * Views read its content through `$lib/collab/reactive-y`, each following only the Y types it shows.
 */
export class LiveDoc {
	readonly doc = new Y.Doc();
	readonly provider: WebsocketProvider;
	private local: IndexeddbPersistence | null = null;
	link = $state<LinkState>('connecting');
	synced = $state(false);
	/** Why the server closed the socket, when it did so on purpose (phase change, removal, too large, …). */
	closedBy = $state<ClosedBy | null>(null);
	/** Opened afresh because the server refused a change from this device: the board says it was undone. */
	changeUndone = $state(false);
	/** Why the refused change was refused (`not-yours`: it touched what someone else wrote), once known. */
	undoneBecause = $state<string | null>(null);
	/** The rule the server named in its last "refused: <rule>" message. */
	private refusedRule: string | null = null;
	presence = $state<PresenceEntry[]>([]);
	/** The server cannot store edits right now (its database is stuck); they wait here and on the server. */
	savingPaused = $state(false);
	/** The server could not read what it stored of this document: nothing opens until that is repaired. */
	unreadable = $state(false);
	/** Edits are kept in IndexedDB on this device; otherwise only in this page's memory until sent. */
	readonly keptOnDevice: boolean;
	private readonly watchdog: ReturnType<typeof setInterval>;
	private heartbeatSentAt = 0;
	/** When this connection last heard the server (any message), by this module's clock. */
	private heardAt = 0;
	private connectingSince = 0;
	/** The phone says it left the network: the socket is as good as dead. */
	private readonly onOffline = () => this.reconnect();
	/** Back on a network: try now rather than after the back-off, unless the connection held. */
	private readonly onOnline = () => {
		if (!this.provider.wsconnected) this.reconnect();
	};

	constructor(
		readonly conferenceId: string,
		readonly name: DocumentName,
		readonly access: Access,
		options: {
			keepOnDevice: boolean;
			storageKey: string;
			/**
			 * Called once this device's copy is gone after a refused change: open the document afresh.
			 * `rule` is what the server said was wrong with it, when it said so.
			 */
			onRefused?: (rule: string | null) => void;
		}
	) {
		const protocol = location.protocol === 'https:' ? 'wss' : 'ws';
		if (options.keepOnDevice && access === 'write') {
			this.local = new IndexeddbPersistence(`kring:${options.storageKey}:${name}`, this.doc);
		}
		this.keptOnDevice = this.local !== null;
		this.provider = new WebsocketProvider(`${protocol}://${location.host}/collab/${conferenceId}`, name, this.doc, {
			maxBackoffTime: 5000
		});
		this.provider.on('status', ({ status }: { status: string }) => {
			this.connectingSince = status === 'connecting' ? Date.now() : 0;
			if (status === 'connected') this.heardAt = Date.now();
			// Closed on purpose stays closed: the provider's 'disconnected' follows the close itself.
			if (this.closedBy) return;
			// Once lost, the board says "no connection" until it is back, not "connecting" at every try.
			if (status === 'connecting' && this.link === 'offline') return;
			this.link = status === 'connected' ? 'connected' : status === 'connecting' ? 'connecting' : 'offline';
		});
		// The server answers the heartbeat with the same byte; hearing it is all that counts.
		this.provider.messageHandlers[MESSAGE_HEARTBEAT] = () => {};
		this.watchdog = setInterval(() => this.checkConnection(), 500);
		// The phone knows when it leaves or joins a network: no need to wait for the silence.
		globalThis.addEventListener?.('offline', this.onOffline);
		globalThis.addEventListener?.('online', this.onOnline);
		this.holdEditsUntilSynced();
		this.provider.on('sync', (isSynced: boolean) => {
			this.synced = isSynced;
			if (isSynced) this.unreadable = false;
		});
		// The server says why it refuses a change ("refused: <rule>") just before it closes with 4422.
		this.provider.messageHandlers[messageAuth] = (_encoder, decoder) => {
			authProtocol.readAuthMessage(decoder, this.doc, (_doc, reason) => {
				if (reason.startsWith('refused: ')) this.refusedRule = reason.slice('refused: '.length);
			});
		};
		this.provider.messageHandlers[MESSAGE_SAVING] = (_encoder, decoder) => {
			this.savingPaused = decoding.readVarUint(decoder) === SAVING_PAUSED;
		};
		this.provider.on('connection-close', (event: CloseEvent | null) => {
			// The next connection is told again if saving is still paused.
			this.savingPaused = false;
			if (event?.code === CLOSE.refused.code) return this.dropRefusedChange(options.onRefused);
			// Not a refusal for good: once the stored document is repaired, the next attempt opens it.
			if (event?.code === CLOSE.unreadable.code) this.unreadable = true;
			const closedBy = event ? CLOSED_BY.get(event.code) : undefined;
			if (closedBy) {
				this.closedBy = closedBy;
				// The server said no on purpose: retrying would only be refused again.
				this.provider.shouldConnect = false;
				this.link = 'closed';
			}
		});
		const awareness = this.provider.awareness;
		// Presence changes can fire while Svelte is rendering (an editor taking focus); the view
		// catches up a microtask later instead of mutating state mid-render.
		awareness.on('change', () => queueMicrotask(() => this.readPresence()));
		// The server fills in name and role from the session; the client only says where it is.
		awareness.setLocalStateField('focus', null);
		// Every message from the socket counts as hearing the server: each handler notes the time
		// first. The provider marks the socket's messages (`emitSynced`), not those of other tabs.
		this.provider.messageHandlers = this.provider.messageHandlers.map(
			(handle) =>
				handle &&
				((...args: Parameters<typeof handle>) => {
					if (args[3]) this.heardAt = Date.now();
					handle(...args);
				})
		);
	}

	/**
	 * The server refused a change from this device (it told why in a "refused: <rule>" auth
	 * message) and will never take it. This copy holds it, and would send it again on every
	 * reconnect, and from IndexedDB on every reload: so the copy is dropped, and the board opens
	 * the document afresh from the server's. Whatever else this device had not sent yet goes too:
	 * it came in the same refused update.
	 */
	private dropRefusedChange(onRefused: ((rule: string | null) => void) | undefined): void {
		this.closedBy = 'refused';
		this.provider.shouldConnect = false;
		this.link = 'closed';
		// Should the copy stay on the device, opening it again would send the change again: then stay closed.
		this.forget().then(
			() => onRefused?.(this.refusedRule),
			() => {}
		);
	}

	/**
	 * An edit made while the socket opens reaches the server only in this phone's answer to the
	 * server's sync step 1; one made a moment later would go out at once, before that answer, and
	 * build on what the server has not got yet. The server refuses such an update
	 * (`missing-history`), and the phone would drop its copy, the first edit with it. So edits go
	 * out one by one only once the exchange is done; those made before are held and sent after
	 * it (once more than needed, never less: the server takes a repeated update as nothing).
	 */
	private holdEditsUntilSynced(): void {
		const provider = this.provider;
		const send = provider._updateHandler;
		let held: Uint8Array[] = [];
		this.doc.off('update', send);
		this.doc.on('update', (update: Uint8Array, origin: unknown) => {
			if (origin === provider) return;
			if (provider.synced) return send(update, origin);
			// Not connected: the next connection's sync carries it whole.
			if (provider.wsconnected) held.push(update);
		});
		provider.on('sync', (isSynced: boolean) => {
			if (!isSynced || held.length === 0) return;
			const update = Y.mergeUpdates(held);
			held = [];
			send(update, null);
		});
		provider.on('status', ({ status }: { status: string }) => {
			if (status !== 'connected') held = [];
		});
	}

	/**
	 * A browser cannot see a dead TCP connection, and y-websocket waits 30 s before it gives one up.
	 * Here: after `HEARTBEAT_AFTER_MS` of silence the board asks the server, and after
	 * `DEAD_AFTER_MS` it counts the connection as dead, says so and connects again. A connection
	 * that does not open within `CONNECT_TIMEOUT_MS` is tried again too.
	 */
	private checkConnection(): void {
		const provider = this.provider;
		const ws = provider.ws;
		if (!provider.shouldConnect || !ws) return;
		const now = Date.now();
		if (provider.wsconnected) {
			const silent = now - this.heardAt;
			if (silent > DEAD_AFTER_MS) return this.reconnect();
			if (silent > HEARTBEAT_AFTER_MS && now - this.heartbeatSentAt > HEARTBEAT_AFTER_MS) {
				this.heartbeatSentAt = now;
				if (ws.readyState === ws.OPEN) ws.send(HEARTBEAT);
			}
		} else if (this.connectingSince && now - this.connectingSince > CONNECT_TIMEOUT_MS) {
			this.reconnect();
		}
	}

	/** Drops the current socket without waiting for it to close (a dead one never does) and opens a new one. */
	private reconnect(): void {
		if (this.closedBy || !this.provider.shouldConnect) return;
		this.provider.disconnect();
		this.link = 'offline';
		this.provider.connect();
	}

	private readPresence(): void {
		const entries: PresenceEntry[] = [];
		this.provider.awareness.getStates().forEach((state, clientId) => {
			const user = state?.user as Omit<PresenceEntry, 'clientId'> | undefined;
			if (user?.name)
				entries.push({ clientId, ...user, focus: typeof state.focus === 'string' ? state.focus : undefined });
		});
		this.presence = entries;
	}

	setFocus(focus: string | null): void {
		this.provider.awareness.setLocalStateField('focus', focus);
	}

	get awareness() {
		return this.provider.awareness;
	}

	destroy(): void {
		clearInterval(this.watchdog);
		globalThis.removeEventListener?.('offline', this.onOffline);
		globalThis.removeEventListener?.('online', this.onOnline);
		this.provider.destroy();
		void this.local?.destroy();
		this.doc.destroy();
	}

	/** Closes and deletes this device's copy of the document (leaving the conference). */
	async forget(): Promise<void> {
		const local = this.local;
		this.local = null;
		await local?.clearData();
	}
}

/** Deletes every Kring copy on this device, for "leave" on a shared device. */
export async function wipeDevice(): Promise<void> {
	if (typeof indexedDB === 'undefined' || !('databases' in indexedDB)) return;
	const databases = await indexedDB.databases();
	await Promise.all(
		databases
			.filter((db) => db.name?.startsWith('kring:'))
			.map(
				(db) =>
					new Promise<void>((resolve) => {
						const request = indexedDB.deleteDatabase(db.name as string);
						request.onsuccess = request.onerror = request.onblocked = () => resolve();
					})
			)
	);
}
