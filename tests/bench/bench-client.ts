import WebSocket from 'ws';
import * as Y from 'yjs';
import { decodeMessage, MESSAGE, syncStep1, syncStep2, syncUpdate } from '../support/y-messages';
import { withTimeout } from '../support/yjs-client';

/** Origin of changes that came from the server, so they are not sent back. */
export const REMOTE = Symbol('remote');

export type Closed = { code: number; reason: string; at: number };

/**
 * A y-websocket protocol client on a raw `ws` socket, as light as possible so the bench measures
 * the server: with a doc it is a full peer (writer, cold load); without one it only reads the
 * header of each update (Y.parseUpdateMeta) to learn which writer clock reached it, and when.
 */
export class BenchClient {
	readonly socket: WebSocket;
	readonly opened: Promise<void>;
	/** The server answered our sync step 1: the socket is in the room and receives updates. */
	readonly synced: Promise<number>;
	readonly closed: Promise<Closed>;
	permissionDenied = false;
	private resolveSynced!: (at: number) => void;

	constructor(
		url: string,
		options: { cookie?: string; doc?: Y.Doc; onUpdate?: (update: Uint8Array, at: number) => void } = {}
	) {
		const { cookie, doc, onUpdate } = options;
		this.socket = new WebSocket(url, { headers: cookie ? { cookie } : {}, perMessageDeflate: false });
		this.socket.binaryType = 'nodebuffer';
		this.synced = new Promise((resolve) => (this.resolveSynced = resolve));
		this.closed = new Promise((resolve) => {
			this.socket.on('close', (code, reason) => resolve({ code, reason: reason.toString(), at: performance.now() }));
		});
		this.opened = new Promise((resolve, reject) => {
			this.socket.once('open', () => resolve());
			this.socket.once('unexpected-response', (_request, response) =>
				reject(new Error(`upgrade refused: HTTP ${response.statusCode} for ${url}`))
			);
			this.socket.once('error', reject);
		});
		this.socket.on('error', () => {});
		this.socket.on('open', () => this.socket.send(syncStep1(Y.encodeStateVector(doc ?? new Y.Doc()))));
		this.socket.on('message', (data: Buffer) => {
			const at = performance.now();
			const message = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
			// Only sync and permission messages matter here; anything else is not even decoded.
			if (message[0] === MESSAGE.auth) {
				this.permissionDenied = true;
				return;
			}
			if (message[0] !== MESSAGE.sync) return;
			const decoded = decodeMessage(message);
			if (decoded.kind === 'sync-step-1') {
				if (doc) this.socket.send(syncStep2(Y.encodeStateAsUpdate(doc, decoded.payload)));
				return;
			}
			if (decoded.kind !== 'sync-step-2' && decoded.kind !== 'update') return;
			if (doc) Y.applyUpdate(doc, decoded.payload, REMOTE);
			if (decoded.kind === 'sync-step-2') this.resolveSynced(performance.now());
			else onUpdate?.(decoded.payload, at);
		});
		if (doc) {
			doc.on('update', (update: Uint8Array, origin: unknown) => {
				if (origin === REMOTE || this.socket.readyState !== WebSocket.OPEN) return;
				this.socket.send(syncUpdate(update));
			});
		}
	}

	async close(): Promise<Closed> {
		if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING)
			this.socket.close();
		return this.closed;
	}
}

/** The highest clock of `clientId` an update carries (its length in items), or 0. */
export function clockOf(update: Uint8Array, clientId: number): number {
	return Y.parseUpdateMeta(update).to.get(clientId) ?? 0;
}

/** Opens `count` clients, at most `parallel` at a time, and waits until each is synced. */
export async function openClients(
	count: number,
	parallel: number,
	make: (index: number) => BenchClient
): Promise<BenchClient[]> {
	const clients: BenchClient[] = [];
	for (let start = 0; start < count; start += parallel) {
		const batch = Array.from({ length: Math.min(parallel, count - start) }, (_, i) => make(start + i));
		clients.push(...batch);
		await Promise.all(
			batch.map(async (client) => {
				await client.opened;
				await withTimeout(client.synced, 15_000, 'sync');
			})
		);
	}
	return clients;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
