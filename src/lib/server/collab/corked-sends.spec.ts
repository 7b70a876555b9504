import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { corkUntilTurnEnds } from './corked-sends';

/**
 * Corked sends rely on one promise of ws: it writes every frame into the network socket the
 * upgrade handed it. If a version of ws stops doing so, frames would leave one write each again,
 * silently; this fails instead.
 */
describe('frames sent in one turn of the event loop', () => {
	let server: Server | null = null;
	const clients: WebSocket[] = [];
	afterEach(async () => {
		for (const client of clients.splice(0)) client.terminate();
		await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
		server = null;
	});

	async function connected(): Promise<{ ws: WebSocket; transport: Duplex; received: Buffer[] }> {
		const wss = new WebSocketServer({ noServer: true });
		const opened = new Promise<{ ws: WebSocket; transport: Duplex }>((resolve) => {
			server = createServer();
			server.on('upgrade', (request, socket, head) =>
				wss.handleUpgrade(request, socket, head, (ws) => resolve({ ws, transport: socket }))
			);
		});
		await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
		const client = new WebSocket(`ws://127.0.0.1:${(server!.address() as AddressInfo).port}`);
		clients.push(client);
		const received: Buffer[] = [];
		client.on('message', (data: Buffer) => received.push(data));
		const { ws, transport } = await opened;
		await new Promise((resolve) => client.once('open', resolve));
		return { ws, transport, received };
	}

	it('wait in the socket the upgrade handed to ws, and all arrive once the turn ends', async () => {
		const { ws, transport, received } = await connected();
		const update = new Uint8Array(200).fill(1);
		const caret = new Uint8Array(60).fill(2);

		corkUntilTurnEnds(transport);
		ws.send(update);
		corkUntilTurnEnds(transport);
		ws.send(caret);

		// Both frames (payload plus a header each) are held in the very socket that was corked.
		expect(transport.writableCorked).toBe(1);
		expect(transport.writableLength).toBeGreaterThanOrEqual(update.length + caret.length);

		await new Promise((resolve) => setImmediate(resolve));
		expect(transport.writableCorked).toBe(0);
		await expect.poll(() => received.length).toBe(2);
		expect(received.map((data) => [...data])).toEqual([[...update], [...caret]]);
	});
});
