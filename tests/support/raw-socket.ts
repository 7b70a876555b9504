/**
 * A WebSocket client written by hand (RFC 6455 over TCP) so that nothing is hidden: the HTTP
 * status and body of a refused upgrade, every frame, what comes after a close frame. It can
 * behave badly: ignore the server's close frame and keep talking, or send frames together with
 * the upgrade request, before the server has answered it.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { DocumentName } from '../../src/lib/conference/phases';
import type { Browser } from './http-client';

export type Frame = { opcode: number; payload: Buffer };
export type CloseRecord = { code: number; reason: string; at: number };

export type RawSocketOptions = {
	/** The Origin header; by default the server's own, null for none. */
	origin?: string | null;
	/** false: ignore the server's close frame and keep talking, as a hostile client would. */
	answerClose?: boolean;
	/** false: leave the server's pings unanswered, as a phone gone from the Wi-Fi would. */
	answerPings?: boolean;
	/** Another path than /collab/<conference>/<document>. */
	path?: string;
	/** Frames written in the same TCP write as the upgrade request. */
	earlyFrames?: Uint8Array;
};

export class RawSocket {
	status = 0;
	responseHead = '';
	/** Bytes after the HTTP response head of a refused upgrade. */
	body = Buffer.alloc(0);
	readonly frames: Frame[] = [];
	/** Data frames that arrived after the server's close frame. */
	readonly framesAfterClose: Frame[] = [];
	closeFrame: { code: number; reason: string } | null = null;
	/** Pings the server sent. */
	pings = 0;
	/** Every byte received, the response head included. */
	raw = Buffer.alloc(0);
	/** Resolves with the HTTP status of the answer to the upgrade (0 if there was none). */
	readonly handshake: Promise<number>;
	/**
	 * Resolves at the server's close frame, or when the connection ends without one (1006), or at
	 * once for a refused upgrade (code 0, reason `HTTP <status>`).
	 */
	readonly closed: Promise<CloseRecord>;
	/** Resolves when the TCP connection has ended. */
	readonly ended: Promise<void>;
	private readonly socket: Socket;
	private buffer = Buffer.alloc(0);
	private headDone = false;
	private hasEnded = false;
	private settleClosed: (record: CloseRecord) => void = () => {};

	constructor(
		url: string,
		headers: Record<string, string>,
		private readonly options: Pick<RawSocketOptions, 'answerClose' | 'answerPings' | 'earlyFrames'> = {}
	) {
		const target = new URL(url);
		this.socket = connect(Number(target.port), target.hostname);
		// As browsers do: each frame leaves at once instead of waiting for the previous one's ACK.
		this.socket.setNoDelay(true);
		const request = [
			`GET ${target.pathname}${target.search} HTTP/1.1`,
			`Host: ${target.host}`,
			'Upgrade: websocket',
			'Connection: Upgrade',
			`Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
			'Sec-WebSocket-Version: 13',
			...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)
		];
		let settleHandshake: (status: number) => void = () => {};
		this.handshake = new Promise((resolve) => (settleHandshake = resolve));
		this.closed = new Promise((resolve) => (this.settleClosed = resolve));
		this.ended = new Promise((resolve) => {
			const done = () => {
				if (this.hasEnded) return;
				this.hasEnded = true;
				settleHandshake(this.status);
				this.settleClosed({ code: 1006, reason: 'connection ended', at: performance.now() });
				resolve();
			};
			this.socket.on('close', done);
			this.socket.on('error', done);
		});
		this.socket.on('connect', () =>
			this.socket.write(
				Buffer.concat([
					Buffer.from(request.join('\r\n') + '\r\n\r\n', 'latin1'),
					options.earlyFrames ?? Buffer.alloc(0)
				])
			)
		);
		this.socket.on('data', (chunk: Buffer) => {
			this.raw = Buffer.concat([this.raw, chunk]);
			if (this.headDone) {
				if (this.status === 101) this.parse(chunk);
				else this.body = Buffer.concat([this.body, chunk]);
				return;
			}
			this.buffer = Buffer.concat([this.buffer, chunk]);
			const end = this.buffer.indexOf('\r\n\r\n');
			if (end < 0) return;
			this.headDone = true;
			this.responseHead = this.buffer.subarray(0, end).toString('latin1');
			this.status = Number(/^HTTP\/1\.1 (\d{3})/.exec(this.responseHead)?.[1] ?? 0);
			const rest = this.buffer.subarray(end + 4);
			this.buffer = Buffer.alloc(0);
			settleHandshake(this.status);
			if (this.status !== 101) {
				this.body = Buffer.from(rest);
				this.settleClosed({ code: 0, reason: `HTTP ${this.status}`, at: performance.now() });
				return;
			}
			if (rest.length) this.parse(rest);
		});
	}

	get isOpen(): boolean {
		return this.status === 101 && !this.hasEnded;
	}

	/** Data messages (y-websocket speaks binary only). */
	get messages(): Buffer[] {
		return this.frames.filter((frame) => frame.opcode === 2 || frame.opcode === 1).map((frame) => frame.payload);
	}

	bytesReceived(): number {
		return this.messages.reduce((sum, message) => sum + message.length, 0);
	}

	send(message: Uint8Array): void {
		if (!this.socket.destroyed) this.socket.write(maskedFrame(2, message));
	}

	/** Sends a close frame (after a refused upgrade, just the end of the connection) and waits for it to end. */
	async close(): Promise<void> {
		if (!this.hasEnded) {
			// A refused upgrade opened no WebSocket: bytes sent now would wait unread on the server.
			if (this.headDone && this.status !== 101) this.socket.end();
			else if (!this.socket.destroyed) this.socket.write(maskedFrame(8, Buffer.from([0x03, 0xe8])));
			setTimeout(() => this.socket.destroy(), 1000).unref();
		}
		await this.ended;
	}

	destroy(): void {
		this.socket.destroy();
	}

	private parse(chunk: Buffer): void {
		this.buffer = Buffer.concat([this.buffer, chunk]);
		for (;;) {
			if (this.buffer.length < 2) return;
			const opcode = this.buffer[0] & 0x0f;
			const masked = (this.buffer[1] & 0x80) !== 0;
			let length = this.buffer[1] & 0x7f;
			let offset = 2;
			if (length === 126) {
				if (this.buffer.length < 4) return;
				length = this.buffer.readUInt16BE(2);
				offset = 4;
			} else if (length === 127) {
				if (this.buffer.length < 10) return;
				length = Number(this.buffer.readBigUInt64BE(2));
				offset = 10;
			}
			const maskBytes = masked ? 4 : 0;
			if (this.buffer.length < offset + maskBytes + length) return;
			let payload = Buffer.from(this.buffer.subarray(offset + maskBytes, offset + maskBytes + length));
			if (masked) {
				const mask = this.buffer.subarray(offset, offset + 4);
				payload = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]));
			}
			this.buffer = this.buffer.subarray(offset + maskBytes + length);
			this.onFrame({ opcode, payload });
		}
	}

	private onFrame(frame: Frame): void {
		if (frame.opcode === 8) {
			const code = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
			const reason = frame.payload.subarray(2).toString('utf8');
			this.closeFrame = { code, reason };
			this.settleClosed({ code, reason, at: performance.now() });
			if (this.options.answerClose !== false && !this.socket.destroyed)
				this.socket.write(maskedFrame(8, frame.payload.subarray(0, 2)));
			return;
		}
		if (frame.opcode === 9) {
			this.pings++;
			if (this.options.answerPings !== false && !this.socket.destroyed)
				this.socket.write(maskedFrame(10, frame.payload));
			return;
		}
		if (frame.opcode === 10) return;
		if (this.closeFrame) this.framesAfterClose.push(frame);
		this.frames.push(frame);
	}
}

/** A client-to-server frame (masked, as the protocol demands) with any opcode and payload. */
export function maskedFrame(opcode: number, payload: Uint8Array = new Uint8Array()): Buffer {
	const length = payload.length;
	const head = Buffer.alloc(length < 126 ? 2 : length < 65536 ? 4 : 10);
	head[0] = 0x80 | opcode;
	if (length < 126) head[1] = 0x80 | length;
	else if (length < 65536) {
		head[1] = 0x80 | 126;
		head.writeUInt16BE(length, 2);
	} else {
		head[1] = 0x80 | 127;
		head.writeBigUInt64BE(BigInt(length), 2);
	}
	const mask = randomBytes(4);
	const body = Buffer.from(payload).map((byte, i) => byte ^ mask[i % 4]);
	return Buffer.concat([head, mask, body]);
}

/**
 * Opens a raw socket on a conference document with this browser's cookies and, by default, the
 * Origin of Kring's own pages; resolves once the server has answered the upgrade.
 */
export async function openRawSocket(
	browser: Browser,
	conferenceId: string,
	document: DocumentName | string,
	options: RawSocketOptions = {}
): Promise<RawSocket> {
	const headers: Record<string, string> = {};
	if (browser.jar.size) headers.Cookie = browser.cookieHeader();
	const origin = options.origin === undefined ? browser.server.origin : options.origin;
	if (origin !== null) headers.Origin = origin;
	const base = browser.server.url.replace(/^http/, 'ws');
	const socket = new RawSocket(`${base}${options.path ?? `/collab/${conferenceId}/${document}`}`, headers, options);
	await socket.handshake;
	return socket;
}

/** The HTTP status of an upgrade: 101 when a socket was opened (it is closed again at once). */
export async function upgradeStatus(browser: Browser, conferenceId: string, document: DocumentName): Promise<number> {
	const socket = await openRawSocket(browser, conferenceId, document);
	await socket.close();
	return socket.status;
}
