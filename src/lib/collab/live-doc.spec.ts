import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { afterEach, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { waitUntil } from '../../../tests/support/yjs-client';
import { CLOSE } from './close-codes';
import { LiveDoc } from './live-doc.svelte';

/**
 * The browser's live document against a server that refuses what the phone sends, as the update
 * guard does: it says why in an auth message and closes with 4422. The provider runs on `ws`, as
 * a browser's WebSocket.
 */

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function message(write: (encoder: encoding.Encoder) => void): Uint8Array {
	const encoder = encoding.createEncoder();
	write(encoder);
	return encoding.toUint8Array(encoder);
}

/** Asks every phone for what it has, and refuses the first update it sends back. */
async function refusingServer(): Promise<{ host: string; connections: () => number; refused: () => number }> {
	const http: Server = createServer();
	const wss = new WebSocketServer({ server: http });
	let connections = 0;
	let refused = 0;
	wss.on('connection', (socket) => {
		connections++;
		socket.send(message((e) => (encoding.writeVarUint(e, 0), syncProtocol.writeSyncStep1(e, new Y.Doc()))));
		socket.on('message', (data: Buffer) => {
			const decoder = decoding.createDecoder(new Uint8Array(data));
			if (decoding.readVarUint(decoder) !== 0 || decoding.readVarUint(decoder) === 0) return;
			refused++;
			socket.send(
				message((e) => {
					encoding.writeVarUint(e, 2);
					encoding.writeVarUint(e, 0);
					encoding.writeVarString(e, 'refused: shape');
				})
			);
			socket.close(CLOSE.refused.code, CLOSE.refused.reason);
		});
	});
	await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
	cleanups.push(() => new Promise<void>((resolve) => (wss.close(), http.close(() => resolve()))));
	return {
		host: `127.0.0.1:${(http.address() as AddressInfo).port}`,
		connections: () => connections,
		refused: () => refused
	};
}

it('drops its copy when the server refuses a change from it, and asks to be opened afresh instead of sending it again', async () => {
	const server = await refusingServer();
	const globals = globalThis as unknown as Record<string, unknown>;
	const saved = { location: globals.location, WebSocket: globals.WebSocket };
	globals.location = { protocol: 'http:', host: server.host };
	globals.WebSocket = WebSocket;
	cleanups.push(() => void Object.assign(globals, saved));

	let reopenAsked = 0;
	const live = new LiveDoc('conf1', 'plan', 'write', {
		keepOnDevice: false,
		storageKey: 'conf1:p1',
		onRefused: () => reopenAsked++
	});
	cleanups.push(() => live.destroy());
	// A change the server's rules do not allow.
	live.doc.getText('not-a-part-of-the-plan').insert(0, 'x');

	await waitUntil(() => reopenAsked === 1, 'the live document asks to be opened afresh');
	expect(server.refused()).toBe(1);
	expect(live.closedBy).toBe('refused');
	expect(live.link).toBe('closed');
	// It does not connect again to send the same change: the board opens a new copy from the server's.
	expect(live.provider.shouldConnect).toBe(false);
	expect(server.connections()).toBe(1);
});
