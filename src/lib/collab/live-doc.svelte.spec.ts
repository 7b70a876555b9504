// @vitest-environment svelte-client
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { en } from '$lib/i18n/messages/en';
import { CLOSE } from './close-codes';
import { DEAD_AFTER_MS, HEARTBEAT } from './heartbeat';
import { LiveDoc, type ClosedBy } from './live-doc.svelte';

/**
 * The browser's live document, with the WebSocket replaced by one the test opens and closes as
 * the server would: what does the board make of each close code?
 */
class ServerSocket {
	static opened: ServerSocket[] = [];
	readonly OPEN = 1;
	readyState = 0;
	binaryType = '';
	onopen: (() => void) | null = null;
	onclose: ((event: { code: number; reason: string }) => void) | null = null;
	onmessage: ((event: { data: ArrayBuffer }) => void) | null = null;
	onerror: ((event: unknown) => void) | null = null;

	constructor(readonly url: string) {
		ServerSocket.opened.push(this);
	}
	readonly sent: Uint8Array[] = [];
	send(data: Uint8Array): void {
		this.sent.push(data);
	}
	close(): void {
		this.readyState = 3;
	}
	accept(): void {
		this.readyState = 1;
		this.onopen?.();
	}
	closedByServer(code: number, reason: string): void {
		this.readyState = 3;
		this.onclose?.({ code, reason });
	}
}

const decodingOf = (data: Uint8Array) => decoding.createDecoder(data);

const docs: LiveDoc[] = [];
beforeEach(() => {
	ServerSocket.opened = [];
	vi.stubGlobal('WebSocket', ServerSocket);
	vi.stubGlobal('location', { protocol: 'http:', host: 'kring.test' });
});
afterEach(() => {
	docs.splice(0).forEach((doc) => doc.destroy());
	vi.useRealTimers();
	vi.unstubAllGlobals();
});

function openPlan(): LiveDoc {
	const doc = new LiveDoc('conf1', 'plan', 'write', { keepOnDevice: false, storageKey: 'conf1:me' });
	docs.push(doc);
	return doc;
}

describe('LiveDoc', () => {
	it.each([
		{ close: CLOSE.superseded, closedBy: 'superseded' as ClosedBy },
		{ close: CLOSE.flooded, closedBy: 'flooded' as ClosedBy }
	])('explains close code $close.code and does not knock again', async ({ close, closedBy }) => {
		vi.useFakeTimers();
		const plan = openPlan();
		ServerSocket.opened[0].accept();
		expect(plan.link).toBe('connected');
		ServerSocket.opened[0].closedByServer(close.code, close.reason);
		expect(plan.closedBy).toBe(closedBy);
		expect(plan.link).toBe('closed');
		vi.advanceTimersByTime(60_000);
		expect(ServerSocket.opened).toHaveLength(1);
	});

	it('has plain words in English for what the board shows then', () => {
		expect(en['board.opened_elsewhere']).toMatch(/opened again on this device.*Reload this page/);
		expect(en['board.too_much_at_once']).toMatch(/Too much was sent at once.*Reload this page/);
	});

	it('knocks again after a close the server did not mean, and explains nothing', async () => {
		vi.useFakeTimers();
		const plan = openPlan();
		ServerSocket.opened[0].accept();
		ServerSocket.opened[0].closedByServer(CLOSE.shuttingDown.code, CLOSE.shuttingDown.reason);
		expect(plan.closedBy).toBeNull();
		vi.advanceTimersByTime(10_000);
		expect(ServerSocket.opened.length).toBeGreaterThan(1);
	});

	it('sends an edit made while the connection opens only after its answer to the server, so nothing builds on what the server lacks', () => {
		const plan = openPlan();
		const socket = ServerSocket.opened[0];
		// The server's copy of the plan, and what it sends a socket that joins: its sync step 1.
		const server = new Y.Doc();
		const fromServer = (write: (encoder: encoding.Encoder) => void) => {
			const encoder = encoding.createEncoder();
			encoding.writeVarUint(encoder, 0);
			write(encoder);
			socket.onmessage?.({ data: encoding.toUint8Array(encoder).slice().buffer });
		};
		const kinds = () =>
			socket.sent.filter((data) => data[0] === 0).map((data) => ['step 1', 'step 2', 'update'][data[1]] ?? 'other');

		plan.doc.getText('monitor').insert(0, 'Oma');
		socket.accept();
		// Typed right after the socket opened, before the server asked what this phone has.
		plan.doc.getText('monitor').insert(3, ' let op');
		expect(kinds()).toEqual(['step 1']);

		fromServer((encoder) => syncProtocol.writeSyncStep1(encoder, server));
		fromServer((encoder) => syncProtocol.writeSyncStep2(encoder, server));
		expect(kinds()).toEqual(['step 1', 'step 2', 'update']);
		// What reached the server, in that order, is whole: nothing is left waiting for history.
		for (const data of socket.sent.filter((message) => message[0] === 0 && message[1] !== 0)) {
			const encoder = encoding.createEncoder();
			const decoder = decodingOf(data.subarray(1));
			syncProtocol.readSyncMessage(decoder, encoder, server, 'phone');
		}
		expect(server.getText('monitor').toString()).toBe('Oma let op');
		expect(server.store.pendingStructs).toBeNull();
		// Once in step, each edit goes out at once.
		plan.doc.getText('monitor').insert(0, '!');
		expect(kinds().at(-1)).toBe('update');
	});

	it('asks the server when it hears nothing, and calls a silent connection dead within ten seconds', () => {
		vi.useFakeTimers();
		const plan = openPlan();
		const first = ServerSocket.opened[0];
		first.accept();
		const isHeartbeat = (data: Uint8Array) => data.length === 1 && data[0] === HEARTBEAT[0];
		// The server answers: the connection lives, however long it is quiet otherwise.
		for (let second = 0; second < 20; second++) {
			vi.advanceTimersByTime(1000);
			if (first.sent.some(isHeartbeat)) {
				first.sent.length = 0;
				first.onmessage?.({ data: HEARTBEAT.slice().buffer });
			}
		}
		expect(plan.link).toBe('connected');
		// The Wi-Fi is gone and no close ever comes: the heartbeat goes unanswered.
		vi.advanceTimersByTime(DEAD_AFTER_MS + 1000);
		expect(first.sent.some(isHeartbeat)).toBe(true);
		expect(plan.link).toBe('offline');
		// It tries again at once, and says "no connection" until one opens.
		expect(ServerSocket.opened.length).toBeGreaterThan(1);
		expect(plan.link).toBe('offline');
		ServerSocket.opened.at(-1)!.accept();
		expect(plan.link).toBe('connected');
	});
});
