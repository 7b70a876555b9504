import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

const MESSAGE_SYNC = 0;
const MESSAGE_AUTH = 2;
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
		this.socket.on('open', () => {
			const encoder = encoding.createEncoder();
			encoding.writeVarUint(encoder, MESSAGE_SYNC);
			syncProtocol.writeSyncStep1(encoder, doc ?? new Y.Doc());
			this.socket.send(encoding.toUint8Array(encoder));
		});
		this.socket.on('message', (data: Buffer) => {
			const at = performance.now();
			const decoder = decoding.createDecoder(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
			const type = decoding.readVarUint(decoder);
			if (type === MESSAGE_AUTH) {
				this.permissionDenied = true;
				return;
			}
			if (type !== MESSAGE_SYNC) return;
			const step = decoding.readVarUint(decoder);
			if (step === syncProtocol.messageYjsSyncStep1) {
				if (!doc) return;
				const reply = encoding.createEncoder();
				encoding.writeVarUint(reply, MESSAGE_SYNC);
				syncProtocol.writeSyncStep2(reply, doc, decoding.readVarUint8Array(decoder));
				this.socket.send(encoding.toUint8Array(reply));
				return;
			}
			const update = decoding.readVarUint8Array(decoder);
			if (doc) Y.applyUpdate(doc, update, REMOTE);
			if (step === syncProtocol.messageYjsSyncStep2) this.resolveSynced(performance.now());
			else onUpdate?.(update, at);
		});
		if (doc) {
			doc.on('update', (update: Uint8Array, origin: unknown) => {
				if (origin === REMOTE || this.socket.readyState !== WebSocket.OPEN) return;
				const encoder = encoding.createEncoder();
				encoding.writeVarUint(encoder, MESSAGE_SYNC);
				syncProtocol.writeUpdate(encoder, update);
				this.socket.send(encoding.toUint8Array(encoder));
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

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: NodeJS.Timeout;
	return Promise.race([
		promise,
		new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
		})
	]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
