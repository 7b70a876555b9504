// The benchmark's reference: @y/websocket-server 0.1.1 (`setupWSConnection`), in memory, no
// persistence, no authentication. It runs in a worker thread of the bench process (or, forked, in
// a process of its own), so it has an event loop of its own as the spawned Kring server does, and
// the clients are the same.
// POST /close-all?doc=<name> closes every socket on a document: the floor for revocation.
import { createServer } from 'node:http';
import { parentPort } from 'node:worker_threads';
import { docs, setupWSConnection } from '@y/websocket-server/utils';
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

const server = createServer((request, response) => {
	const url = new URL(request.url ?? '/', 'http://reference.invalid');
	if (request.method === 'POST' && url.pathname === '/close-all') {
		const doc = docs.get(url.searchParams.get('doc') ?? '');
		let closed = 0;
		// Kring's CLOSE.revoked (src/lib/collab/close-codes.ts); a worker thread cannot import TypeScript.
		for (const conn of doc ? [...doc.conns.keys()] : []) {
			/** @type {import('ws').WebSocket} */ (conn).close(4403, 'access revoked');
			closed++;
		}
		response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ closed }));
		return;
	}
	response.writeHead(200, { 'content-type': 'text/plain' }).end('okay');
});

server.on('upgrade', (request, socket, head) => {
	wss.handleUpgrade(request, socket, head, (ws) => setupWSConnection(ws, request));
});

server.listen(0, '127.0.0.1', () => {
	const address = server.address();
	const port = typeof address === 'object' && address ? address.port : 0;
	// A worker thread (the one-room bench) or a forked process of its own (the many-rooms bench).
	if (parentPort) parentPort.postMessage({ port });
	else process.send?.({ port });
});

// Forked by the many-rooms bench: ends when the bench lets go of it.
process.on('disconnect', () => process.exit(0));
