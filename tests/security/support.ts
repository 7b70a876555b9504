/**
 * The attacker's toolkit: a real Kring server in a child process, browsers with a cookie jar that
 * speak HTTP and form actions, y-websocket clients for the family, and a raw WebSocket client that
 * records every byte and can behave badly (ignore the close frame, keep asking).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as devalue from 'devalue';
import postgres from 'postgres';
import ts from 'typescript';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import { WebsocketProvider } from 'y-websocket';
import {
	startKring as startLiveKring,
	type KringServer as LiveServer,
	type StartOptions
} from '../support/kring-server';
import * as Y from 'yjs';
import {
	agreementsOf,
	conditionsOf,
	concernsOf,
	createAgreement,
	createBriefItem,
	metaText
} from '../../src/lib/plan/shape';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Waits for something to happen (a message, a state). It asserts nothing about time: the limit
 * only turns a hang into a readable failure before the test's own timeout.
 */
export async function until<T>(probe: () => T | Promise<T>, what: string, limitMs = 40_000): Promise<NonNullable<T>> {
	const giveUp = Date.now() + limitMs;
	let last: unknown;
	for (;;) {
		try {
			const value = await probe();
			if (value) return value as NonNullable<T>;
		} catch (error) {
			last = error;
		}
		if (Date.now() > giveUp) throw new Error(`gave up waiting for ${what}${last ? `: ${String(last)}` : ''}`);
		await new Promise((r) => setTimeout(r, 10));
	}
}

export type KringServer = LiveServer & {
	/** ws://… base of the collab endpoint. */
	wsBase: string;
};

/**
 * A live server from the shared harness (tests/support): the production build on a free port,
 * PGlite by default, or PostgreSQL (`database: 'postgres'`, `sameDatabaseAs` for a second
 * instance) with Redis (`redisUrl`). Run `npm run build` first.
 */
export async function startKring(options: StartOptions = {}): Promise<KringServer> {
	const server = await startLiveKring(options);
	return Object.assign(server, { wsBase: server.url.replace(/^http/, 'ws') });
}

/* ------------------------------------------------------------------------------------------ */
/* HTTP: a browser with a cookie jar                                                           */

export type Reply = {
	status: number;
	headers: Headers;
	text: string;
	/** For form actions answered as JSON: success, failure, redirect or error. */
	action?: { type: string; status?: number; location?: string; data?: unknown };
};

export class Browser {
	readonly jar = new Map<string, string>();

	constructor(
		readonly server: KringServer,
		readonly label = 'browser'
	) {}

	get cookie(): string {
		return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
	}

	get session(): string | undefined {
		return this.jar.get('kring_session');
	}

	/** A second device that holds the same cookies (e.g. a copied cookie). */
	clone(label = `${this.label} (copy)`): Browser {
		const copy = new Browser(this.server, label);
		for (const [k, v] of this.jar) copy.jar.set(k, v);
		return copy;
	}

	private remember(headers: Headers): void {
		for (const line of headers.getSetCookie()) {
			const [pair, ...attributes] = line.split(';');
			const eq = pair.indexOf('=');
			const name = pair.slice(0, eq).trim();
			const value = pair.slice(eq + 1).trim();
			const expired = attributes.some(
				(a) =>
					/max-age=0\b/i.test(a.trim()) || (/^expires=/i.test(a.trim()) && Date.parse(a.trim().slice(8)) < Date.now())
			);
			if (!value || expired) this.jar.delete(name);
			else this.jar.set(name, value);
		}
	}

	async request(
		path: string,
		init: { method?: string; headers?: Record<string, string>; body?: string } = {}
	): Promise<Reply> {
		const headers: Record<string, string> = { ...(this.jar.size ? { cookie: this.cookie } : {}), ...init.headers };
		const response = await fetch(this.server.origin + path, {
			method: init.method ?? 'GET',
			headers,
			body: init.body,
			redirect: 'manual'
		});
		this.remember(response.headers);
		if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
			// A stream never ends by itself: read its first event, then hang up.
			const stream = await readEvents(response, 1);
			return { status: response.status, headers: response.headers, text: stream.text };
		}
		const text = await response.text();
		return { status: response.status, headers: response.headers, text };
	}

	get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
		return this.request(path, { headers });
	}

	/** Submits a form action the way SvelteKit's `enhance` does; `name` 'default' posts to the page itself. */
	async action(
		path: string,
		name: string,
		fields: Record<string, string> = {},
		extraHeaders: Record<string, string> = {}
	): Promise<Reply> {
		const target = name === 'default' ? path : `${path}?/${name}`;
		const reply = await this.request(target, {
			method: 'POST',
			headers: {
				origin: this.server.origin,
				accept: 'application/json',
				'x-sveltekit-action': 'true',
				'content-type': 'application/x-www-form-urlencoded',
				...extraHeaders
			},
			body: new URLSearchParams(fields).toString()
		});
		try {
			const parsed = JSON.parse(reply.text) as { type: string; status?: number; location?: string; data?: string };
			reply.action = { ...parsed, data: typeof parsed.data === 'string' ? devalue.parse(parsed.data) : parsed.data };
		} catch {
			/* not an action answer */
		}
		return reply;
	}

	/** The merged data of every node of a page, from its `__data.json`. */
	async pageData(path: string): Promise<{ status: number; data: Record<string, unknown>; text: string }> {
		const reply = await this.get(`${path.replace(/\/$/, '')}/__data.json`);
		const data: Record<string, unknown> = {};
		try {
			const parsed = JSON.parse(reply.text) as { type: string; nodes?: ({ type: string; data: unknown[] } | null)[] };
			for (const node of parsed.nodes ?? [])
				if (node?.type === 'data') Object.assign(data, devalue.unflatten(node.data));
			if (parsed.type === 'redirect') data.__redirect = (parsed as unknown as { location: string }).location;
		} catch {
			/* not data */
		}
		return { status: reply.status, data, text: reply.text };
	}

	/** Opens a server-sent event stream and keeps reading it until `close()` is called. */
	async events(path: string): Promise<EventStream> {
		const controller = new AbortController();
		const response = await fetch(this.server.origin + path, {
			headers: { cookie: this.cookie, accept: 'text/event-stream' },
			signal: controller.signal
		});
		const stream: EventStream = {
			status: response.status,
			headers: response.headers,
			text: '',
			events: [],
			close: () => controller.abort()
		};
		if (!response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
			stream.text = await response.text();
			return stream;
		}
		void (async () => {
			const reader = response.body!.getReader();
			const decoder = new TextDecoder();
			try {
				for (;;) {
					const { done, value } = await reader.read();
					if (done) break;
					stream.text += decoder.decode(value, { stream: true });
					stream.events = parseEvents(stream.text);
				}
			} catch {
				/* aborted */
			}
		})();
		return stream;
	}
}

export type EventStream = {
	status: number;
	headers: Headers;
	text: string;
	events: { event: string; data: unknown }[];
	close: () => void;
};

function parseEvents(text: string): { event: string; data: unknown }[] {
	return text
		.split('\n\n')
		.slice(0, -1)
		.map((block) => {
			const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
			const data = /^data: (.*)$/m.exec(block)?.[1] ?? 'null';
			return { event, data: JSON.parse(data) as unknown };
		});
}

async function readEvents(response: Response, count: number): Promise<{ text: string }> {
	const reader = response.body!.getReader();
	const decoder = new TextDecoder();
	let text = '';
	while (parseEvents(text).length < count) {
		const { done, value } = await reader.read();
		if (done) break;
		text += decoder.decode(value, { stream: true });
	}
	await reader.cancel();
	return { text };
}

export function expectAction(reply: Reply, type: string): NonNullable<Reply['action']> {
	if (reply.action?.type !== type)
		throw new Error(`expected a ${type} answer, got ${reply.status} ${reply.text.slice(0, 300)}`);
	return reply.action;
}

/* ------------------------------------------------------------------------------------------ */
/* The family's devices: y-websocket clients                                                   */

export type DocName = 'plan' | 'brief';

export class DocClient {
	readonly doc = new Y.Doc();
	readonly provider: WebsocketProvider;
	readonly closes: number[] = [];

	constructor(
		readonly browser: Browser,
		readonly conferenceId: string,
		readonly name: DocName
	) {
		const headers = { cookie: browser.cookie, origin: browser.server.origin };
		class CookieWebSocket extends WebSocket {
			constructor(url: string, protocols?: string | string[]) {
				super(url, protocols, { headers });
			}
		}
		this.provider = new WebsocketProvider(`${browser.server.wsBase}/collab/${conferenceId}`, name, this.doc, {
			WebSocketPolyfill: CookieWebSocket as unknown as typeof globalThis.WebSocket,
			disableBc: true,
			maxBackoffTime: 500
		});
		this.provider.on('connection-close', (event: { code: number } | null) => {
			if (event) this.closes.push(event.code);
		});
	}

	synced(): Promise<boolean> {
		return until(() => this.provider.synced, `${this.browser.label} to sync the ${this.name}`);
	}

	has(text: string): boolean {
		return found(docBytes(this.doc), [text]).length === 1;
	}

	destroy(): void {
		this.provider.destroy();
		this.doc.destroy();
	}
}

/** A document's whole state: markers are typed in one insert each, so they stay whole in it. */
export function docBytes(doc: Y.Doc): Uint8Array {
	return Y.encodeStateAsUpdate(doc);
}

/* ------------------------------------------------------------------------------------------ */
/* A raw WebSocket client that records every byte                                              */

export type Frame = { opcode: number; payload: Buffer };

/**
 * Speaks RFC 6455 by hand over a TCP socket so that nothing is hidden: the handshake answer,
 * every frame, and what comes after a close frame. With `answerClose: false` it ignores the
 * server's close frame and keeps talking, as a hostile client would.
 */
export class RawSocket {
	status = 0;
	responseHead = '';
	/** Bytes after the HTTP response head of a refused upgrade. */
	body = Buffer.alloc(0);
	readonly frames: Frame[] = [];
	/** Data frames that arrived after the server's close frame. */
	readonly framesAfterClose: Frame[] = [];
	closeFrame: { code: number; reason: string } | null = null;
	/** Every byte received, the response head included. */
	raw = Buffer.alloc(0);
	readonly ended: Promise<void>;
	readonly handshake: Promise<number>;
	private socket: Socket;
	private buffer = Buffer.alloc(0);
	private headDone = false;
	private endedFlag = false;
	private onClose = new Set<() => void>();

	constructor(
		url: string,
		headers: Record<string, string>,
		readonly options: { answerClose?: boolean } = {}
	) {
		const target = new URL(url);
		this.socket = connect(Number(target.port), target.hostname);
		// As browsers do: each frame leaves at once instead of waiting for the previous one's ACK.
		this.socket.setNoDelay(true);
		const key = randomBytes(16).toString('base64');
		const lines = [
			`GET ${target.pathname}${target.search} HTTP/1.1`,
			`Host: ${target.host}`,
			'Upgrade: websocket',
			'Connection: Upgrade',
			`Sec-WebSocket-Key: ${key}`,
			'Sec-WebSocket-Version: 13',
			...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)
		];
		let settleHandshake: (status: number) => void = () => {};
		this.handshake = new Promise((r) => (settleHandshake = r));
		this.ended = new Promise((r) => {
			const done = () => {
				if (this.endedFlag) return;
				this.endedFlag = true;
				settleHandshake(this.status);
				r();
			};
			this.socket.on('close', done);
			this.socket.on('error', done);
		});
		this.socket.on('connect', () => this.socket.write(lines.join('\r\n') + '\r\n\r\n'));
		this.socket.on('data', (chunk: Buffer) => {
			this.raw = Buffer.concat([this.raw, chunk]);
			if (!this.headDone) {
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
					return;
				}
				if (rest.length) this.parse(rest);
				return;
			}
			if (this.status === 101) this.parse(chunk);
			else this.body = Buffer.concat([this.body, chunk]);
		});
	}

	get isOpen(): boolean {
		return this.status === 101 && !this.endedFlag;
	}

	/** Binary messages (y-websocket speaks binary only). */
	get messages(): Buffer[] {
		return this.frames.filter((f) => f.opcode === 2 || f.opcode === 1).map((f) => f.payload);
	}

	/** Resolves when the server's close frame arrives (or the TCP connection ends). */
	closed(): Promise<void> {
		if (this.closeFrame || this.endedFlag) return Promise.resolve();
		return new Promise((r) => this.onClose.add(r));
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
				payload = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
			}
			this.buffer = this.buffer.subarray(offset + maskBytes + length);
			this.onFrame({ opcode, payload });
		}
	}

	private onFrame(frame: Frame): void {
		if (frame.opcode === 8) {
			const code = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
			this.closeFrame = { code, reason: frame.payload.subarray(2).toString('utf8') };
			for (const r of this.onClose) r();
			this.onClose.clear();
			if (this.options.answerClose !== false) this.writeFrame(8, frame.payload.subarray(0, 2));
			return;
		}
		if (frame.opcode === 9) {
			this.writeFrame(10, frame.payload);
			return;
		}
		if (frame.opcode === 10) return;
		if (this.closeFrame) this.framesAfterClose.push(frame);
		this.frames.push(frame);
	}

	private writeFrame(opcode: number, payload: Uint8Array): void {
		if (this.socket.destroyed) return;
		const mask = randomBytes(4);
		const length = payload.length;
		const head =
			length < 126 ? Buffer.from([0x80 | opcode, 0x80 | length]) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
		if (length >= 126 && length < 65536) {
			head[0] = 0x80 | opcode;
			head[1] = 0x80 | 126;
			head.writeUInt16BE(length, 2);
		} else if (length >= 65536) {
			head[0] = 0x80 | opcode;
			head[1] = 0x80 | 127;
			head.writeBigUInt64BE(BigInt(length), 2);
		}
		const body = Buffer.from(payload).map((b, i) => b ^ mask[i % 4]);
		this.socket.write(Buffer.concat([head, mask, body]));
	}

	send(message: Uint8Array): void {
		this.writeFrame(2, message);
	}

	/** Sends a close frame and waits for the connection to end. */
	async close(): Promise<void> {
		if (!this.endedFlag) {
			this.writeFrame(8, Buffer.from([0x03, 0xe8]));
			setTimeout(() => this.socket.destroy(), 1000).unref();
		}
		await this.ended;
	}

	destroy(): void {
		this.socket.destroy();
	}
}

/** Opens a raw socket on a conference document with this browser's cookies. */
export async function rawDocSocket(
	browser: Browser,
	conferenceId: string,
	name: DocName | string,
	options: { origin?: string | null; answerClose?: boolean; path?: string } = {}
): Promise<RawSocket> {
	const headers: Record<string, string> = {};
	if (browser.jar.size) headers.Cookie = browser.cookie;
	const origin = options.origin === undefined ? browser.server.origin : options.origin;
	if (origin !== null) headers.Origin = origin;
	const socket = new RawSocket(
		`${browser.server.wsBase}${options.path ?? `/collab/${conferenceId}/${name}`}`,
		headers,
		options
	);
	await socket.handshake;
	return socket;
}

/* ------------------------------------------------------------------------------------------ */
/* The y-websocket protocol, by hand                                                           */

export const MESSAGE = { sync: 0, awareness: 1, auth: 2, queryAwareness: 3 } as const;

export function syncStep1(stateVector: Uint8Array = Y.encodeStateVector(new Y.Doc())): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE.sync);
	encoding.writeVarUint(encoder, syncProtocol.messageYjsSyncStep1);
	encoding.writeVarUint8Array(encoder, stateVector);
	return encoding.toUint8Array(encoder);
}

export function syncUpdate(update: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE.sync);
	syncProtocol.writeUpdate(encoder, update);
	return encoding.toUint8Array(encoder);
}

export function queryAwareness(): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE.queryAwareness);
	return encoding.toUint8Array(encoder);
}

/** An awareness message with hand-written entries: any client id, any clock, any state. */
export function awarenessMessage(
	entries: { clientId: number; clock: number; state: unknown | null; rawState?: string }[]
): Uint8Array {
	const inner = encoding.createEncoder();
	encoding.writeVarUint(inner, entries.length);
	for (const entry of entries) {
		encoding.writeVarUint(inner, entry.clientId);
		encoding.writeVarUint(inner, entry.clock);
		encoding.writeVarString(inner, entry.rawState ?? JSON.stringify(entry.state));
	}
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE.awareness);
	encoding.writeVarUint8Array(encoder, encoding.toUint8Array(inner));
	return encoding.toUint8Array(encoder);
}

export type Decoded =
	| { kind: 'sync-step-1' | 'sync-step-2' | 'update'; payload: Uint8Array }
	| { kind: 'awareness'; states: { clientId: number; clock: number; state: unknown }[] }
	| { kind: 'auth'; reason: string }
	| { kind: 'query-awareness' }
	| { kind: 'unknown'; type: number };

export function decodeMessage(message: Uint8Array): Decoded {
	const decoder = decoding.createDecoder(message);
	const type = decoding.readVarUint(decoder);
	if (type === MESSAGE.sync) {
		const step = decoding.readVarUint(decoder);
		const payload = decoding.readVarUint8Array(decoder);
		return { kind: step === 0 ? 'sync-step-1' : step === 1 ? 'sync-step-2' : 'update', payload };
	}
	if (type === MESSAGE.awareness) {
		const inner = decoding.createDecoder(decoding.readVarUint8Array(decoder));
		const count = decoding.readVarUint(inner);
		const states = [];
		for (let i = 0; i < count; i++) {
			const clientId = decoding.readVarUint(inner);
			const clock = decoding.readVarUint(inner);
			states.push({ clientId, clock, state: JSON.parse(decoding.readVarString(inner)) });
		}
		return { kind: 'awareness', states };
	}
	if (type === MESSAGE.auth) {
		decoding.readVarUint(decoder);
		return { kind: 'auth', reason: decoding.readVarString(decoder) };
	}
	if (type === MESSAGE.queryAwareness) return { kind: 'query-awareness' };
	return { kind: 'unknown', type };
}

/** Applies every sync message a raw socket received to a fresh document, to read what it learned. */
export function docFromMessages(messages: Uint8Array[]): Y.Doc {
	const doc = new Y.Doc();
	for (const message of messages) {
		const decoded = decodeMessage(message);
		if (decoded.kind === 'sync-step-2' || decoded.kind === 'update') Y.applyUpdate(doc, decoded.payload);
	}
	return doc;
}

export { Y };

/* ------------------------------------------------------------------------------------------ */
/* Markers                                                                                     */

export function marker(kind: string): string {
	return `${kind}-${randomBytes(6).toString('hex')}`;
}

/** Which of these strings occur in the bytes (read as Latin-1, so UTF-8 ASCII markers match). */
export function found(haystack: Uint8Array | string, needles: readonly string[]): string[] {
	const text = typeof haystack === 'string' ? haystack : Buffer.from(haystack).toString('latin1');
	return needles.filter((needle) => text.includes(needle));
}

/* ------------------------------------------------------------------------------------------ */
/* A conference with real content, typed by real clients                                      */

export type Seeded = Awaited<ReturnType<typeof seedConference>>;

/**
 * Sets up a conference as people would: the first coordinator account through the setup link, a
 * conference, a professional through an invite, two family members (one by invite link, one by
 * room code), the information phase, and content typed into the brief and the plan by
 * y-websocket clients. Everything the family types starts with `secret`; everything in the
 * brief with `brief`; both are forbidden to staff in private time.
 */
export async function seedConference(server: KringServer, options: { accountPassword?: string } = {}) {
	const run = randomBytes(4).toString('hex');
	const secret = `SECRET${run}`;
	const brief = `BRIEF${run}`;
	const names = `NAME${run}`;
	let counter = 0;
	const next = (prefix: string, label: string) => `${prefix}-${label}-${++counter}-${randomBytes(3).toString('hex')}`;
	const password = options.accountPassword ?? 'a long enough passphrase';

	const coordinator = new Browser(server, 'coordinator');
	if (!server.setupPath) throw new Error('the server printed no setup link');
	expectAction(
		await coordinator.action(server.setupPath, 'default', {
			name: 'Coco Coordinator',
			email: 'coco@example.org',
			password
		}),
		'redirect'
	);
	const created = expectAction(
		await coordinator.action('/staff', 'create', {
			title: 'Familie Jansen',
			question: 'Hoe kan Sem veilig thuis opgroeien?'
		}),
		'redirect'
	);
	const id = /^\/c\/([a-z0-9]+)$/.exec(created.location ?? '')?.[1];
	if (!id) throw new Error(`no conference id in ${created.location}`);

	const invite = expectAction(
		await coordinator.action(`/c/${id}`, 'professionalInvite', { name: 'Pia Professional', email: 'pia@example.org' }),
		'success'
	);
	const professionalToken = /\/invite\/([a-z2-7]+)$/.exec(String((invite.data as { link: string }).link))![1];
	const professional = new Browser(server, 'professional');
	expectAction(
		await professional.action(`/invite/${professionalToken}`, 'register', { name: 'Pia Professional', password }),
		'redirect'
	);

	const familyLink = expectAction(await coordinator.action(`/c/${id}`, 'familyInvite'), 'success');
	const familyInviteToken = /\/j\/([a-z2-7]+)$/.exec(String((familyLink.data as { link: string }).link))![1];
	const board = (await coordinator.pageData(`/c/${id}`)).data.board as { invite: { roomCode: string } };
	const roomCode = board.invite.roomCode;

	const anna = new Browser(server, 'Anna (family)');
	expectAction(
		await anna.action(`/j/${familyInviteToken}`, 'default', { displayName: 'Anna', presence: 'room' }),
		'redirect'
	);
	const bram = new Browser(server, 'Bram (family)');
	expectAction(
		await bram.action(`/join/${roomCode}`, 'default', { displayName: 'Bram', presence: 'remote' }),
		'redirect'
	);

	expectAction(await coordinator.action(`/c/${id}`, 'phase', { to: 'information' }), 'success');

	const conference = {
		server,
		id,
		roomCode,
		familyInviteToken,
		professionalToken,
		password,
		coordinator,
		professional,
		anna,
		bram,
		/** Prefixes: any occurrence in what staff receive in private time is a leak. */
		secret,
		brief,
		names,
		newSecret: (label: string) => next(secret, label),
		newBrief: (label: string) => next(brief, label),
		newName: (label: string) => next(names, label),
		participantId: async (browser: Browser) =>
			String(((await browser.pageData(`/c/${id}`)).data.member as { participantId: string }).participantId),
		clients: [] as DocClient[],
		open(browser: Browser, name: DocName): DocClient {
			const client = new DocClient(browser, id, name);
			conference.clients.push(client);
			return client;
		},
		/**
		 * Moves the conference on. After the hand-over the family confirms its circle, as it does in
		 * the room, and its open documents come back once confirmed.
		 */
		async phase(by: Browser, to: string) {
			const familyBack = conference.familyBackAfterHandOver();
			const reply = expectAction(await by.action(`/c/${id}`, 'phase', { to }), 'success');
			if (to === 'private') await familyBack();
			return reply;
		},
		/**
		 * Called before a hand-over; what it returns confirms the family's circle once the family's
		 * documents have closed, and opens them again (nothing when no device waited).
		 */
		familyBackAfterHandOver() {
			const family = conference.familyClients();
			const closesBefore = family.map((c) => c.closes.length);
			return async () => {
				if (!(await conference.confirmCircle())) return;
				await until(
					() => family.every((c, i) => c.closes.length > closesBefore[i]),
					"the family's documents to close at the hand-over"
				);
				await conference.reconnectFamily();
			};
		},
		/** Anna confirms every other device of the circle and Bram confirms Anna; false when nobody waited. */
		async confirmCircle(): Promise<boolean> {
			const me = (await anna.pageData(`/c/${id}`)).data.member as { participantId: string; status: string };
			if (me.status !== 'unconfirmed') return false;
			expectAction(await anna.action(`/c/${id}`, 'confirm', { all: 'yes' }), 'success');
			expectAction(await bram.action(`/c/${id}`, 'confirm', { participantId: me.participantId }), 'success');
			return true;
		},
		/** Anna's and Bram's open documents. */
		familyClients(): DocClient[] {
			const sessions = [anna.session, bram.session];
			return conference.clients.filter((c) => sessions.includes(c.browser.session));
		},
		/**
		 * Opens the family's documents again once they are confirmed, as the board does when its data
		 * says it may read them again (the server closed them with 4401, after which a client stops).
		 */
		async reconnectFamily() {
			const family = conference.familyClients();
			for (const client of family) client.provider.connect();
			await until(() => family.every((c) => c.provider.synced), "the family's documents to be back");
		},
		async currentPhase(): Promise<string> {
			const data = (await anna.pageData(`/c/${id}`)).data as { board: { conference: { phase: string } } };
			return data.board.conference.phase;
		},
		close() {
			for (const client of conference.clients) client.destroy();
		}
	};

	// Information phase: staff write the brief; the family answers in the brief and starts the plan.
	const coordinatorBrief = conference.open(coordinator, 'brief');
	const professionalBrief = conference.open(professional, 'brief');
	const annaPlan = conference.open(anna, 'plan');
	const annaBrief = conference.open(anna, 'brief');
	const bramPlan = conference.open(bram, 'plan');
	await Promise.all([coordinatorBrief, professionalBrief, annaPlan, annaBrief, bramPlan].map((c) => c.synced()));
	const briefTexts = [conference.newBrief('concern-by-coordinator'), conference.newBrief('condition-by-professional')];
	writeConcern(coordinatorBrief, 'Coco Coordinator', briefTexts[0]);
	writeCondition(professionalBrief, 'Pia Professional', briefTexts[1]);
	const familyBrief = `${conference.newSecret('brief-by-family')}`;
	writeConcern(annaBrief, 'Anna', familyBrief);
	const planTexts = [conference.newSecret('agreement'), conference.newSecret('contingency')];
	writeAgreement(annaPlan, planTexts[0]);
	writeContingency(bramPlan, planTexts[1]);
	await until(
		() => annaBrief.has(briefTexts[0]) && annaBrief.has(briefTexts[1]) && coordinatorBrief.has(familyBrief),
		'the brief to converge'
	);
	await until(() => annaPlan.has(planTexts[1]) && bramPlan.has(planTexts[0]), 'the plan to converge');
	// Staff close their board; the family keeps theirs open.
	for (const client of [coordinatorBrief, professionalBrief]) {
		client.destroy();
		conference.clients.splice(conference.clients.indexOf(client), 1);
	}
	return { ...conference, annaPlan, annaBrief, bramPlan, briefTexts, planTexts: [...planTexts, familyBrief] };
}

export function writeAgreement(client: DocClient, text: string): void {
	client.doc.transact(() => {
		const agreements = agreementsOf(client.doc);
		agreements.push([createAgreement({ createdBy: 'test', theme: 'housing' })]);
		const fragment = agreements.get(agreements.length - 1).get('text') as Y.XmlFragment;
		const paragraph = new Y.XmlElement('paragraph');
		paragraph.insert(0, [new Y.XmlText(text)]);
		fragment.insert(0, [paragraph]);
	});
}

export function writeContingency(client: DocClient, text: string): void {
	const field = metaText(client.doc, 'contingency');
	field.insert(field.length, text);
}

export function writeConcern(client: DocClient, by: string, text: string): void {
	concernsOf(client.doc).push([createBriefItem({ by, text, theme: 'upbringing' })]);
}

export function writeCondition(client: DocClient, by: string, text: string): void {
	conditionsOf(client.doc).push([createBriefItem({ by, text, theme: 'other' })]);
}

/**
 * After every attack: the server answers, and the family still works together. Anna types a new
 * agreement and Bram's device receives it through the server (once the plan is frozen, Bram
 * still reads it).
 */
export async function assertFamilyStillSyncs(conference: Seeded): Promise<void> {
	const home = await new Browser(conference.server).get('/').catch((error: Error) => {
		throw new Error(`the server does not answer (${error.message}):\n${conference.server.logs().slice(-2000)}`);
	});
	if (home.status !== 200) throw new Error(`GET / answered ${home.status}`);
	if (['accepted', 'closed'].includes(await conference.currentPhase())) {
		// The plan is frozen: the family still reads it from the server.
		const socket = await rawDocSocket(conference.bram, conference.id, 'plan');
		socket.send(syncStep1());
		await until(
			() => found(docBytes(docFromMessages(socket.messages)), [conference.planTexts[0]]).length === 1,
			'Bram to read the frozen plan'
		);
		await socket.close();
		return;
	}
	const text = conference.newSecret('still-syncing');
	writeAgreement(conference.annaPlan, text);
	await until(() => conference.bramPlan.has(text), 'Bram to receive what Anna typed');
}

/* ------------------------------------------------------------------------------------------ */
/* The route tree, read from src/routes so that a new route cannot escape the walk             */

export type RouteEntry = {
	/** The route id as SvelteKit names it, e.g. `/(member)/c/[id]/events`. */
	id: string;
	/** The URL pattern without groups, e.g. `/c/[id]/events`. */
	pattern: string;
	page: boolean;
	endpoint: boolean;
	/** Named form actions of the page; `default` for a page's default action. */
	actions: string[];
	/** HTTP methods an endpoint exports. */
	methods: string[];
};

const PAGE_FILES = ['+page.svelte', '+page.server.ts', '+page.server.js', '+page.ts', '+page.js'];
const ENDPOINT_FILES = ['+server.ts', '+server.js'];

export function routeTree(dir = join(ROOT, 'src/routes')): RouteEntry[] {
	const entries: RouteEntry[] = [];
	const walk = (absolute: string, id: string) => {
		const files = readdirSync(absolute, { withFileTypes: true });
		const names = new Set(files.filter((f) => f.isFile()).map((f) => f.name));
		const page = PAGE_FILES.some((f) => names.has(f));
		const endpointFile = ENDPOINT_FILES.find((f) => names.has(f));
		if (page || endpointFile) {
			const serverPage = ['+page.server.ts', '+page.server.js'].find((f) => names.has(f));
			entries.push({
				id: id || '/',
				pattern:
					'/' +
					id
						.split('/')
						.filter((s) => s && !/^\(.*\)$/.test(s))
						.join('/'),
				page,
				endpoint: !!endpointFile,
				actions: serverPage ? exportedObjectKeys(join(absolute, serverPage), 'actions') : [],
				methods: endpointFile ? exportedNames(join(absolute, endpointFile)).filter((n) => /^[A-Z]+$/.test(n)) : []
			});
		}
		for (const child of files.filter((f) => f.isDirectory())) walk(join(absolute, child.name), `${id}/${child.name}`);
	};
	walk(dir, '');
	return entries;
}

function exportedObjectKeys(file: string, name: string): string[] {
	const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
	const keys: string[] = [];
	source.forEachChild((node) => {
		if (!ts.isVariableStatement(node) || !node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) return;
		for (const declaration of node.declarationList.declarations) {
			if (!ts.isIdentifier(declaration.name) || declaration.name.text !== name) continue;
			let init = declaration.initializer;
			while (init && (ts.isSatisfiesExpression(init) || ts.isAsExpression(init) || ts.isParenthesizedExpression(init)))
				init = init.expression;
			if (!init || !ts.isObjectLiteralExpression(init))
				throw new Error(`${file}: cannot read the keys of ${name}; teach routeTree()`);
			for (const property of init.properties) {
				if (!property.name || !(ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)))
					throw new Error(`${file}: unreadable action name`);
				keys.push(property.name.text);
			}
		}
	});
	return keys;
}

function exportedNames(file: string): string[] {
	const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
	const names: string[] = [];
	source.forEachChild((node) => {
		const exported =
			ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
		if (ts.isVariableStatement(node) && exported) {
			for (const d of node.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
		} else if (ts.isFunctionDeclaration(node) && exported && node.name) names.push(node.name.text);
		else if (ts.isExportDeclaration(node) && node.exportClause && ts.isNamedExports(node.exportClause)) {
			for (const e of node.exportClause.elements) names.push(e.name.text);
		}
	});
	return names;
}

/**
 * Every concrete path of a pattern, with each parameter replaced by every value given for its
 * name. A parameter nobody gave values for is an error: a new route must be added here.
 */
export function concretePaths(pattern: string, values: Record<string, string[]>): string[] {
	let paths = [''];
	for (const segment of pattern.split('/').filter(Boolean)) {
		const param = /^\[{1,2}(?:\.\.\.)?([a-zA-Z_]+)(?:=[a-zA-Z_]+)?\]{1,2}$/.exec(segment);
		if (!param) {
			if (segment.includes('['))
				throw new Error(`route segment ${segment} mixes text and parameters; teach concretePaths()`);
			paths = paths.map((p) => `${p}/${segment}`);
			continue;
		}
		const options = values[param[1]];
		if (!options?.length)
			throw new Error(
				`no test values for the route parameter [${param[1]}] in ${pattern}: add them to the security suite`
			);
		paths = paths.flatMap((p) => options.map((v) => `${p}/${v}`));
	}
	return paths.length === 1 && paths[0] === '' ? ['/'] : paths;
}

/* ------------------------------------------------------------------------------------------ */
/* Probes that every attacker runs                                                             */

/** No forbidden string in the answer (body or headers), no crash, and Kring's answers are not cached. */
export function checkReply(
	who: string,
	what: string,
	reply: Pick<Reply, 'status' | 'headers' | 'text'>,
	forbidden: readonly string[]
): string[] {
	const problems: string[] = [];
	const headerText = [...reply.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
	const leaked = found(reply.text + headerText, forbidden);
	if (leaked.length) problems.push(`${who} ${what}: leaked ${leaked.join(', ')}`);
	if (reply.status >= 500) problems.push(`${who} ${what}: status ${reply.status}`);
	// Kring's own answers are never stored; the build's static files (/_app/) hold no family content.
	const staticFile = / \/_app\//.test(what);
	if (reply.text.length > 0 && !staticFile && !reply.headers.get('cache-control')?.includes('no-store')) {
		problems.push(`${who} ${what}: Cache-Control is ${reply.headers.get('cache-control')}`);
	}
	return problems;
}

export type RouteValues = Record<string, string[]>;

/** GETs every route of the tree (and each page's __data.json), as HTML and as JSON. */
export async function walkEveryRoute(who: string, browser: Browser, values: RouteValues, forbidden: readonly string[]) {
	const problems: string[] = [];
	let requests = 0;
	for (const route of routeTree()) {
		for (const path of concretePaths(route.pattern, values)) {
			const urls = route.page ? [path, `${path === '/' ? '' : path}/__data.json`] : [path];
			for (const url of urls) {
				for (const accept of ['text/html', 'application/json']) {
					problems.push(...checkReply(who, `GET ${url} (${accept})`, await browser.get(url, { accept }), forbidden));
					requests++;
				}
			}
		}
	}
	return { problems, requests };
}

/** Opens the plan and brief sockets and asks for everything; returns what came back. */
export async function trySockets(browser: Browser, conferenceId: string, forbidden: readonly string[]) {
	const results: { doc: string; status: number; frames: number; leaked: string[] }[] = [];
	for (const doc of ['plan', 'brief']) {
		const socket = await rawDocSocket(browser, conferenceId, doc);
		if (socket.status === 101) {
			socket.send(syncStep1());
			socket.send(queryAwareness());
			await socket.close();
		} else await socket.ended;
		results.push({ doc, status: socket.status, frames: socket.frames.length, leaked: found(socket.raw, forbidden) });
	}
	return results;
}

/* ------------------------------------------------------------------------------------------ */
/* PostgreSQL and Redis: several instances, and a hand on the database's locks                */

export const REDIS_URL = process.env.KRING_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** A connection of the test's own to a PostgreSQL-backed server's database (to hold locks, to watch it wait). */
export function databaseOf(server: KringServer): postgres.Sql {
	if (server.database.kind !== 'postgres') throw new Error('start the server with database: "postgres"');
	return postgres(server.database.url, { max: 2, onnotice: () => {} });
}

/** The same browser (its cookies) talking to another server instance. */
export function sameBrowserOn(
	browser: Browser,
	server: KringServer,
	label = `${browser.label} on another instance`
): Browser {
	const copy = new Browser(server, label);
	for (const [k, v] of browser.jar) copy.jar.set(k, v);
	return copy;
}
