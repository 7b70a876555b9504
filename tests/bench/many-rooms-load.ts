/**
 * A load generator of the many-rooms bench, in a process of its own (child_process.fork): it
 * opens the phones of some whole rooms, and on `type` each phone types one character into the
 * plan every 1/rate s (a phone's caret moves with it: one presence update per edit). Every other
 * phone of the room times when the edit reaches it. A room's phones are all in this process, so
 * one clock times the send and every arrival.
 *
 * Phones are raw `ws` + y-protocols sockets: a phone keeps only its own typing in a Y.Doc (it
 * always appends to its own text, so its edits refer to nothing it has not sent) and reads only
 * the header of what others type. The generator reports how late its own event loop ran and how
 * many edits it sent against the asked number, so a generator that is itself the bottleneck shows.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { awarenessMessage, MESSAGE, syncStep1, syncStep2, syncUpdate } from '../support/y-messages';
import * as decoding from 'lib0/decoding';

export type LoadRoom = { name: string; urls: string[]; cookies: (string | undefined)[] };
export type LoadCommand =
	| { kind: 'open'; rooms: LoadRoom[]; field: string }
	| { kind: 'type'; rate: number; seconds: number; drainMs: number }
	| { kind: 'close' };
export type LoadReport =
	| { kind: 'opened'; phones: number }
	| {
			kind: 'typed';
			latencies: Float64Array;
			sent: number;
			asked: number;
			expected: number;
			delivered: number;
			lagP99: number;
			lagMax: number;
			seconds: number;
	  }
	| { kind: 'closed' }
	| { kind: 'failed'; message: string };

const FIELD_DEFAULT = 'contingency';

class Phone {
	readonly doc = new Y.Doc();
	readonly socket: WebSocket;
	readonly synced: Promise<void>;
	/** performance.now() of each own edit, by clock. */
	sentAt: number[] = [];
	private awarenessClock = 0;

	constructor(
		url: string,
		cookie: string | undefined,
		private readonly field: string,
		onArrival: (receiver: Phone, writer: number, clock: number, at: number) => void
	) {
		this.socket = new WebSocket(url, { headers: cookie ? { cookie } : {}, perMessageDeflate: false });
		this.socket.binaryType = 'nodebuffer';
		let synced!: () => void;
		this.synced = new Promise((resolve, reject) => {
			synced = resolve;
			this.socket.once('unexpected-response', (_request, response) =>
				reject(new Error(`upgrade refused: HTTP ${response.statusCode}`))
			);
			this.socket.once('close', (code) => reject(new Error(`closed before sync: ${code}`)));
		});
		this.synced.catch(() => {});
		this.socket.on('error', () => {});
		this.socket.on('open', () => this.socket.send(syncStep1(Y.encodeStateVector(this.doc))));
		this.socket.on('message', (data: Buffer) => {
			const at = performance.now();
			if (data[0] !== MESSAGE.sync) return;
			const decoder = decoding.createDecoder(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
			decoding.readVarUint(decoder);
			const step = decoding.readVarUint(decoder);
			const payload = decoding.readVarUint8Array(decoder);
			if (step === 0) this.socket.send(syncStep2(Y.encodeStateAsUpdate(this.doc, payload)));
			else if (step === 1) synced();
			else {
				// A server may send several keystrokes of one writer as one merged update: each counts.
				const { from, to } = Y.parseUpdateMeta(payload);
				for (const [writer, end] of to)
					for (let clock = (from.get(writer) ?? end - 1) + 1; clock <= end; clock++) onArrival(this, writer, clock, at);
			}
		});
		this.doc.on('update', (update: Uint8Array) => {
			if (this.socket.readyState === WebSocket.OPEN) this.socket.send(syncUpdate(update));
		});
	}

	type(): void {
		const text = this.doc.getText(this.field);
		this.sentAt.push(performance.now());
		text.insert(text.length, 'x');
		const at = text.length;
		this.socket.send(
			awarenessMessage([
				{
					clientId: this.doc.clientID,
					clock: ++this.awarenessClock,
					state: { user: { name: 'bench' }, cursor: { anchor: at, head: at } }
				}
			])
		);
	}

	close(): Promise<void> {
		return new Promise((resolve) => {
			if (this.socket.readyState === WebSocket.CLOSED) return resolve();
			this.socket.once('close', () => resolve());
			this.socket.close();
		});
	}
}

let phones: Phone[] = [];
/** Per room: its phones. Per writer client id: its phone. */
const rooms: Phone[][] = [];
const byClient = new Map<number, Phone>();
/** Latency samples of the current typing run, and deliveries counted. */
let samples: number[] = [];
let delivered = 0;
let measuring = false;

function onArrival(receiver: Phone, writer: number, clock: number, at: number): void {
	const phone = byClient.get(writer);
	// The server may echo an edit to its writer: that is no delivery.
	if (!phone || !measuring || phone === receiver) return;
	// One update carries one keystroke here; its clock is the keystroke's number + 1.
	const sent = phone.sentAt[clock - 1];
	if (sent === undefined) return;
	samples.push(at - sent);
	delivered++;
}

async function open(command: Extract<LoadCommand, { kind: 'open' }>): Promise<number> {
	const field = command.field || FIELD_DEFAULT;
	for (const room of command.rooms) {
		const members = room.urls.map((url, i) => new Phone(url, room.cookies[i], field, onArrival));
		for (const phone of members) byClient.set(phone.doc.clientID, phone);
		rooms.push(members);
		phones.push(...members);
		// One room at a time: opening all sockets at once would measure the upgrade path, not typing.
		await Promise.all(members.map((phone) => phone.synced));
	}
	return phones.length;
}

async function type(command: Extract<LoadCommand, { kind: 'type' }>): Promise<LoadReport> {
	const { rate, seconds, drainMs } = command;
	samples = [];
	delivered = 0;
	for (const phone of phones) phone.sentAt = [];
	measuring = true;
	const lag = monitorEventLoopDelay({ resolution: 10 });
	lag.enable();
	const interval = 1000 / rate;
	const started = performance.now();
	const end = started + seconds * 1000;
	let sent = 0;
	let expected = 0;
	// Each phone types on its own schedule, spread over the interval so the load is smooth.
	const next = phones.map((_, i) => started + (interval * i) / phones.length);
	await new Promise<void>((resolve) => {
		const tick = () => {
			const now = performance.now();
			for (let i = 0; i < phones.length; i++) {
				while (next[i] <= now && next[i] < end) {
					const phone = phones[i];
					if (phone.socket.readyState === WebSocket.OPEN) {
						phone.type();
						sent++;
						expected += roomSizeOf(phone) - 1;
					}
					next[i] += interval;
				}
			}
			if (now >= end) return resolve();
			setTimeout(tick, Math.max(0, Math.min(5, Math.min(...next) - performance.now())));
		};
		tick();
	});
	const elapsed = (performance.now() - started) / 1000;
	await new Promise((resolve) => setTimeout(resolve, drainMs));
	measuring = false;
	lag.disable();
	return {
		kind: 'typed',
		latencies: Float64Array.from(samples),
		sent,
		asked: Math.round(phones.length * rate * seconds),
		expected,
		delivered,
		lagP99: lag.percentile(99) / 1e6,
		lagMax: lag.max / 1e6,
		seconds: elapsed
	};
}

const roomSize = new Map<Phone, number>();
function roomSizeOf(phone: Phone): number {
	if (roomSize.size === 0) for (const members of rooms) for (const p of members) roomSize.set(p, members.length);
	return roomSize.get(phone) ?? 1;
}

async function closeAll(): Promise<void> {
	await Promise.all(phones.map((phone) => phone.close()));
	for (const phone of phones) phone.doc.destroy();
	phones = [];
	rooms.length = 0;
	roomSize.clear();
	byClient.clear();
}

process.on('message', (command: LoadCommand) => {
	const reply = (report: LoadReport) => process.send!(report);
	const run = async () => {
		switch (command.kind) {
			case 'open':
				return reply({ kind: 'opened', phones: await open(command) });
			case 'type':
				return reply(await type(command));
			case 'close':
				await closeAll();
				return reply({ kind: 'closed' });
		}
	};
	run().catch((error: Error) => reply({ kind: 'failed', message: error.stack ?? error.message }));
});
process.on('disconnect', () => process.exit(0));
