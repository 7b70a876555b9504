// @vitest-environment svelte-client
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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
