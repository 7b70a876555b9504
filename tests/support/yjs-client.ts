/**
 * Live documents as a phone holds them: the real `y-websocket` provider over a `ws` socket that
 * carries the person's session cookie (and the page's Origin), plus a raw socket for the
 * attacker's view: the HTTP status of a refused upgrade and every byte the server sends.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { DocumentName } from '../../src/lib/conference/phases';

type ServerAddress = { url: string; origin: string };
type Person = { cookieHeader(): string };

export type CloseRecord = { code: number; reason: string; at: number };

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
	destroy(): void;
};

export function collabUrl(server: ServerAddress, conferenceId: string, document?: DocumentName): string {
	const base = `${server.url.replace(/^http/, 'ws')}/collab/${conferenceId}`;
	return document ? `${base}/${document}` : base;
}

/** Opens the live brief or plan of a conference as `person` would in their browser. */
export function openDoc(
	server: ServerAddress,
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
			super(address, protocols, { headers: { cookie: person.cookieHeader(), origin: server.origin } });
			this.on('message', (data: Buffer) => received.push(new Uint8Array(data)));
			this.on('close', (code: number, reason: Buffer) => {
				const record = { code, reason: reason.toString(), at: performance.now() };
				closeEvents.push(record);
				firstClose(record);
			});
		}
	}

	const provider = new WebsocketProvider(collabUrl(server, conferenceId), document, doc, {
		WebSocketPolyfill: BrowserSocket as unknown as typeof globalThis.WebSocket,
		// Two providers in one process would otherwise sync through BroadcastChannel, server or not.
		disableBc: true,
		maxBackoffTime: 500
	});
	// Permission-denied notices from the server are expected in read-only tests.
	provider.messageHandlers[2] = (_encoder, decoder) => void decoder;
	if (options.presence) provider.awareness.setLocalStateField('user', options.presence);
	const synced = new Promise<void>((resolve) => {
		if (provider.synced) return resolve();
		const onSync = (state: boolean) => {
			if (!state) return;
			provider.off('sync', onSync);
			resolve();
		};
		provider.on('sync', onSync);
	});
	return {
		doc,
		provider,
		synced: withTimeout(synced, 10_000, `${document} of ${conferenceId} did not sync`),
		closeEvents,
		received,
		closed,
		destroy() {
			provider.destroy();
			doc.destroy();
		}
	};
}

/**
 * Waits until `condition()` holds, re-checking on every change of the given docs (and every
 * 25 ms). Fails with `message` after `timeoutMs`: a hang guard, not a measurement.
 */
export function waitUntil(
	condition: () => boolean,
	message: string,
	options: { docs?: Y.Doc[]; timeoutMs?: number } = {}
): Promise<void> {
	return new Promise((resolve, reject) => {
		const docs = options.docs ?? [];
		const check = () => {
			let ok = false;
			try {
				ok = condition();
			} catch {
				ok = false;
			}
			if (!ok) return;
			cleanup();
			resolve();
		};
		const timer = setTimeout(() => {
			cleanup();
			reject(new Error(`timed out: ${message}`));
		}, options.timeoutMs ?? 10_000);
		const interval = setInterval(check, 25);
		const cleanup = () => {
			clearTimeout(timer);
			clearInterval(interval);
			for (const doc of docs) doc.off('update', check);
		};
		for (const doc of docs) doc.on('update', check);
		check();
	});
}

/** Waits until every doc holds the same state (same state vector and the same content). */
export function waitForConvergence(
	docs: Y.Doc[],
	message = 'documents did not converge',
	timeoutMs = 10_000
): Promise<void> {
	return waitUntil(() => docs.every((doc) => sameState(doc, docs[0])), message, { docs, timeoutMs });
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

export type RawSocket = {
	/** 101 when the upgrade was accepted, otherwise the HTTP status of the refusal. */
	status: number;
	/** Every message the server sent, in order. */
	received: Uint8Array[];
	/** Resolves when the socket closes (or at once for a refused upgrade, code 0). */
	closed: Promise<CloseRecord>;
	send(data: Uint8Array): void;
	close(): void;
	/** Total bytes the server sent. */
	bytesReceived(): number;
};

/** Opens a bare WebSocket to a document with `person`'s cookie, speaking no protocol by itself. */
export function rawSocket(
	server: ServerAddress,
	person: Person | null,
	conferenceId: string,
	document: DocumentName | string,
	options: { origin?: string | null; maxPayload?: number } = {}
): Promise<RawSocket> {
	const headers: Record<string, string> = {};
	const cookie = person?.cookieHeader();
	if (cookie) headers.cookie = cookie;
	const origin = options.origin === undefined ? server.origin : options.origin;
	if (origin !== null) headers.origin = origin;
	const ws = new WebSocket(`${collabUrl(server, conferenceId)}/${document}`, {
		headers,
		maxPayload: options.maxPayload ?? 64 * 1024 * 1024
	});
	const received: Uint8Array[] = [];
	let onClose: (record: CloseRecord) => void = () => {};
	const closed = new Promise<CloseRecord>((resolve) => (onClose = resolve));
	ws.on('message', (data: Buffer) => received.push(new Uint8Array(data)));
	ws.on('close', (code: number, reason: Buffer) => onClose({ code, reason: reason.toString(), at: performance.now() }));
	const handle = (status: number): RawSocket => ({
		status,
		received,
		closed,
		send: (data) => ws.send(data),
		close: () => ws.close(),
		bytesReceived: () => received.reduce((sum, message) => sum + message.byteLength, 0)
	});
	return withTimeout(
		new Promise<RawSocket>((resolve, reject) => {
			ws.once('open', () => resolve(handle(101)));
			ws.once('unexpected-response', (_request, response) => {
				const status = response.statusCode ?? 0;
				response.resume();
				ws.terminate();
				onClose({ code: 0, reason: `HTTP ${status}`, at: performance.now() });
				resolve(handle(status));
			});
			ws.once('error', (error) => reject(error));
		}),
		10_000,
		`upgrade to ${conferenceId}/${document} got no answer`
	);
}

/** The HTTP status of an upgrade attempt: 101 when a socket was opened (it is closed again at once). */
export async function upgradeStatus(
	server: ServerAddress,
	person: Person | null,
	conferenceId: string,
	document: DocumentName
): Promise<number> {
	const socket = await rawSocket(server, person, conferenceId, document);
	socket.close();
	return socket.status;
}

/** The reasons of every y-protocols auth message ("permission denied: …") among `messages`, in order. */
export function deniedReasons(messages: Uint8Array[]): string[] {
	const reasons: string[] = [];
	for (const message of messages) {
		const decoder = decoding.createDecoder(message);
		if (decoding.readVarUint(decoder) !== 2 || decoding.readVarUint(decoder) !== 0) continue;
		reasons.push(decoding.readVarString(decoder));
	}
	return reasons;
}

/** True when some message contains `needle` as UTF-8 bytes (Yjs sends strings as UTF-8). */
export function containsText(messages: Uint8Array[], needle: string): boolean {
	const bytes = Buffer.from(needle, 'utf8');
	return messages.some((message) =>
		Buffer.from(message.buffer, message.byteOffset, message.byteLength).includes(bytes)
	);
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
	let timer: ReturnType<typeof setTimeout>;
	return Promise.race([
		promise.finally(() => clearTimeout(timer)),
		new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new Error(`timed out: ${message}`)), ms);
			timer.unref?.();
		})
	]);
}

/**
 * Sends a WebSocket upgrade request and `frames` in one TCP write, before the server has even
 * answered: what a hostile client can do, and what reaches the server while the document is
 * still loading. Returns everything the server answered until it closed (or `waitMs` passed).
 */
export async function upgradeWithEarlyFrames(
	server: ServerAddress & { port: number },
	person: Person,
	conferenceId: string,
	document: DocumentName,
	frames: Uint8Array,
	waitMs = 3000
): Promise<{ answer: Buffer; status: number; closeCode: number | null }> {
	const socket = connect(server.port, '127.0.0.1');
	await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
	const chunks: Buffer[] = [];
	socket.on('error', () => {});
	const request =
		`GET /collab/${conferenceId}/${document} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n` +
		`Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
		`Origin: ${server.origin}\r\nCookie: ${person.cookieHeader()}\r\n\r\n`;
	socket.write(Buffer.concat([Buffer.from(request, 'latin1'), frames]));
	let closeCode: number | null = null;
	await new Promise<void>((resolve) => {
		const timer = setTimeout(resolve, waitMs);
		socket.once('close', () => (clearTimeout(timer), resolve()));
		socket.on('data', (chunk: Buffer) => {
			chunks.push(chunk);
			closeCode = closeCodeAfterHandshake(Buffer.concat(chunks));
			if (closeCode !== null) (clearTimeout(timer), resolve());
		});
	});
	socket.destroy();
	const answer = Buffer.concat(chunks);
	return { answer, status: Number(/^HTTP\/1\.1 (\d{3})/.exec(answer.toString('latin1'))?.[1] ?? 0), closeCode };
}

/** The code of a close frame that follows the 101 answer (frames before it are skipped), if any. */
function closeCodeAfterHandshake(answer: Buffer): number | null {
	const end = answer.indexOf('\r\n\r\n');
	if (end < 0) return null;
	let at = end + 4;
	while (at + 2 <= answer.length) {
		const opcode = answer[at] & 0x0f;
		let length = answer[at + 1] & 0x7f;
		let header = 2;
		if (length === 126) {
			if (at + 4 > answer.length) return null;
			length = answer.readUInt16BE(at + 2);
			header = 4;
		} else if (length === 127) {
			if (at + 10 > answer.length) return null;
			length = Number(answer.readBigUInt64BE(at + 2));
			header = 10;
		}
		if (at + header + length > answer.length) return null;
		if (opcode === 0x8) return length >= 2 ? answer.readUInt16BE(at + header) : 1005;
		at += header + length;
	}
	return null;
}

/** A client-to-server frame (masked, as the protocol demands) with any opcode and payload. */
export function maskedFrame(opcode: number, payload: Uint8Array = new Uint8Array()): Buffer {
	if (payload.length > 125) throw new Error('maskedFrame: short payloads only');
	const mask = randomBytes(4);
	const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]));
	return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, masked]);
}

/** Waits for a socket's close (the `closed` of a LiveDoc or RawSocket); fails if it stays open. */
export function waitForClose(closed: Promise<CloseRecord>, message: string, timeoutMs = 10_000): Promise<CloseRecord> {
	return withTimeout(closed, timeoutMs, message);
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
