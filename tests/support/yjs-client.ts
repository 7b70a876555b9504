/**
 * Live documents as a phone holds them: the real `y-websocket` provider over a `ws` socket that
 * carries the person's session cookie and the Origin of Kring's pages, recording every message
 * and every close; and the waits a test needs around them.
 */
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { DocumentName } from '../../src/lib/conference/phases';
import { found } from './found';
import type { ServerAddress } from './http-client';
import type { CloseRecord } from './raw-socket';
import { decodeMessage, MESSAGE } from './y-messages';

/** Whose cookies a socket carries, and to which server: a Browser. */
type Person = { server: ServerAddress; cookieHeader(): string };

/** The limit of every wait here: it turns a hang into a readable failure; it measures nothing. */
const HANG_GUARD_MS = 30_000;

export type LiveDoc = {
	doc: Y.Doc;
	provider: WebsocketProvider;
	/** Resolves once the first sync with the server is complete. */
	synced: Promise<void>;
	/** Every close of a socket of this provider, in order (the provider may reconnect). */
	closeEvents: CloseRecord[];
	/** Every message the server sent on any socket of this provider. */
	received: Uint8Array[];
	/** Resolves at the first close of a socket of this provider. */
	closed: Promise<CloseRecord>;
	/** True when the document holds `text` (typed in one change, so it is stored whole). */
	has(text: string): boolean;
	destroy(): void;
};

export function collabUrl(server: ServerAddress, conferenceId: string, document?: DocumentName): string {
	const base = `${server.url.replace(/^http/, 'ws')}/collab/${conferenceId}`;
	return document ? `${base}/${document}` : base;
}

/** Opens the live brief or plan of a conference as `person` would in their browser. */
export function openDoc(
	person: Person,
	conferenceId: string,
	document: DocumentName,
	options: { doc?: Y.Doc; presence?: Record<string, unknown> } = {}
): LiveDoc {
	const doc = options.doc ?? new Y.Doc();
	const closeEvents: CloseRecord[] = [];
	const received: Uint8Array[] = [];
	let firstClose: (record: CloseRecord) => void = () => {};
	const closed = new Promise<CloseRecord>((resolve) => (firstClose = resolve));

	// What a browser adds to every upgrade by itself: the site's cookies and its Origin.
	class BrowserSocket extends WebSocket {
		constructor(address: string, protocols?: string | string[]) {
			super(address, protocols, { headers: { cookie: person.cookieHeader(), origin: person.server.origin } });
			this.on('message', (data: Buffer) => received.push(new Uint8Array(data)));
			this.on('close', (code: number, reason: Buffer) => {
				const record = { code, reason: reason.toString(), at: performance.now() };
				closeEvents.push(record);
				firstClose(record);
			});
		}
	}

	const provider = new WebsocketProvider(collabUrl(person.server, conferenceId), document, doc, {
		WebSocketPolyfill: BrowserSocket as unknown as typeof globalThis.WebSocket,
		// Two providers in one process would otherwise sync through BroadcastChannel, server or not.
		disableBc: true,
		maxBackoffTime: 500
	});
	// Permission-denied notices from the server are expected in read-only tests.
	provider.messageHandlers[2] = (_encoder, decoder) => void decoder;
	if (options.presence) provider.awareness.setLocalStateField('user', options.presence);
	const synced = withTimeout(
		new Promise<void>((resolve) => {
			if (provider.synced) return resolve();
			const onSync = (state: boolean) => {
				if (!state) return;
				provider.off('sync', onSync);
				resolve();
			};
			provider.on('sync', onSync);
		}),
		HANG_GUARD_MS,
		`${document} of ${conferenceId} did not sync`
	);
	// Nobody has to wait for the sync of a document that is never meant to open.
	synced.catch(() => {});
	let destroyed = false;
	return {
		doc,
		provider,
		synced,
		closeEvents,
		received,
		closed,
		has: (text) => found(Y.encodeStateAsUpdate(doc), [text]).length === 1,
		destroy() {
			if (destroyed) return;
			destroyed = true;
			provider.destroy();
			doc.destroy();
		}
	};
}

/** The reasons of every y-protocols auth message ("permission denied: …") among `messages`, in order. */
export function deniedReasons(messages: Uint8Array[]): string[] {
	return messages.flatMap((message) => {
		if (message[0] !== MESSAGE.auth) return [];
		const decoded = decodeMessage(message);
		return decoded.kind === 'auth' ? [decoded.reason] : [];
	});
}

/** The documents a test file opens, so that its afterAll can close them all. */
export function liveDocs(): { open: typeof openDoc; closeAll: () => void } {
	const opened: LiveDoc[] = [];
	return {
		open(...args) {
			const live = openDoc(...args);
			opened.push(live);
			return live;
		},
		closeAll() {
			for (const live of opened.splice(0)) live.destroy();
		}
	};
}

/**
 * Waits until `probe()` gives something truthy, and returns it. The probe may be async; it runs
 * again on every change of the given docs and every few milliseconds; a probe that throws counts
 * as not yet. Fails after a hang guard, naming `what` it waited for.
 */
export async function waitUntil<T>(
	probe: () => T | Promise<T>,
	what: string,
	options: { docs?: Y.Doc[]; timeoutMs?: number } = {}
): Promise<NonNullable<T>> {
	const giveUp = performance.now() + (options.timeoutMs ?? HANG_GUARD_MS);
	const docs = options.docs ?? [];
	let last: unknown;
	for (;;) {
		try {
			const value = await probe();
			if (value) return value as NonNullable<T>;
		} catch (error) {
			last = error;
		}
		if (performance.now() > giveUp)
			throw new Error(`timed out waiting for: ${what}${last ? ` (last error: ${String(last)})` : ''}`);
		await new Promise<void>((resolve) => {
			const next = () => {
				clearTimeout(timer);
				for (const doc of docs) doc.off('update', next);
				resolve();
			};
			const timer = setTimeout(next, 10);
			for (const doc of docs) doc.on('update', next);
		});
	}
}

/** Waits until every doc holds the same state (same state vector and the same content). */
export async function waitForConvergence(docs: Y.Doc[], what = 'the documents to converge'): Promise<void> {
	await waitUntil(() => docs.every((doc) => sameState(doc, docs[0])), what, { docs });
}

/** Same state vector and same deletions: the two docs hold exactly the same changes. */
export function sameState(a: Y.Doc, b: Y.Doc): boolean {
	return Y.equalSnapshots(Y.snapshot(a), Y.snapshot(b));
}

/** True when `doc` holds at least every change `other` holds. */
export function includesState(doc: Y.Doc, other: Y.Doc): boolean {
	const mine = Y.decodeStateVector(Y.encodeStateVector(doc));
	for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(other))) {
		if ((mine.get(client) ?? 0) < clock) return false;
	}
	return true;
}

/** Waits for a socket's close (the `closed` of a LiveDoc or RawSocket); fails if it stays open. */
export function waitForClose(closed: Promise<CloseRecord>, what: string): Promise<CloseRecord> {
	return withTimeout(closed, HANG_GUARD_MS, what);
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: ReturnType<typeof setTimeout>;
	return Promise.race([
		promise.finally(() => clearTimeout(timer)),
		new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
			timer.unref?.();
		})
	]);
}
