/**
 * Production entry: one HTTP server for the SvelteKit pages and the collab WebSocket
 * (/collab/<conference>/<brief|plan>) on the same port.
 */
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { config, type Config } from '../src/lib/server/config';
import { DataDirInUseError, lockDataDir } from '../src/lib/server/db/data-lock';
import { EventLoopProbe } from '../src/lib/server/event-loop-probe';
import { registry } from '../src/lib/server/registry';
import { networkUrl } from '../src/lib/server/room-address';

let settings: Config;
try {
	settings = config();
} catch (error) {
	console.error(`[kring] ${(error as Error).message}`);
	process.exit(1);
}

// Kring itself speaks plain HTTP; a TLS proxy in front says so with X-Forwarded-Proto. Without
// this, SvelteKit's node adapter assumes https and refuses every form posted over http
// (for example from phones on the conference room's Wi-Fi).
if (settings.protocolHeader) process.env.PROTOCOL_HEADER = settings.protocolHeader;

// The embedded database's folder is locked before anything opens it: a second Kring on the same
// folder stops here, saying which process holds it, instead of opening the store beside the first.
if (!settings.databaseUrl) {
	try {
		lockDataDir(settings.dataDir, 'Kring, node build/start.js');
	} catch (error) {
		if (!(error instanceof DataDirInUseError)) throw error;
		console.error(`[kring] ${error.message}`);
		process.exit(1);
	}
}

// The worker threads' module, bundled beside this file (scripts/build-server.js).
registry().workerFile = fileURLToPath(new URL('./worker.js', import.meta.url));
// The embedded database's thread, bundled beside it too: PGlite's work stays off the sockets' event loop.
registry().pgliteThreadFile = fileURLToPath(new URL('./pglite-thread.js', import.meta.url));

// Importing the handler runs SvelteKit's `init` hook: database, migrations, bus, collab server.
// @ts-expect-error the SvelteKit build has no type declarations
const { handler } = await import('./handler.js');

const { host, port } = settings;

let stopping = false;

const server = createServer((request, response) => {
	if (!settings.origin) request.headers['x-forwarded-proto'] ??= 'http';
	handler(request, response);
});
// An idle connection is kept a minute, not Node's five seconds: a phone on a slow network does not pay
// a new handshake for each tap, and a client never reuses a connection the server is just closing
// (a request sent into that close fails with "other side closed").
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.on('upgrade', (request, socket, head) => {
	if (stopping) {
		socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
		return;
	}
	const upgrade = registry().upgrade;
	if (!upgrade || !upgrade(request, socket, head)) socket.destroy();
});

// The probe counts from the moment Kring serves (event-loop-probe.ts); startup (migrations) is not counted.
let eventLoop: EventLoopProbe | null = null;

server.listen(port, host, () => {
	if (settings.eventLoopProbe) {
		const probe = new EventLoopProbe();
		eventLoop = probe;
		// A test reads the longest block so far and starts counting afresh: past its own set-up (the
		// first pages load their code), and around one piece of work it measures.
		process.on('SIGUSR2', () => {
			console.log(`[kring] event loop: ${probe.figure()}`);
			probe.reset();
			console.log('[kring] event loop: probe reset');
		});
	}
	const phones = networkUrl(settings);
	console.log(
		`[kring] listening on http://${host === '0.0.0.0' ? 'localhost' : host}:${port}` +
			(phones ? `; phones in the room open ${phones}` : '; phones cannot reach it (no network address)')
	);
});

function reportEventLoop(): void {
	if (!eventLoop) return;
	console.log(`[kring] event loop: ${eventLoop.figure()}`);
	eventLoop.stop();
}

/**
 * Stopping (SIGTERM, SIGINT): no new connections or live sockets; every edit already received is
 * stored; the live sockets are closed with 1012 "server restarting" (the phones reconnect to the
 * next instance and resend what it lacks); then the database is closed.
 */
async function stop(signal: string): Promise<void> {
	if (stopping) return;
	stopping = true;
	reportEventLoop();
	console.log(`[kring] ${signal}: closing`);
	server.close();
	server.closeIdleConnections();
	const shutdown = registry().shutdown;
	await shutdown?.().catch((error: Error) => console.error('[kring] shutdown:', error.message));
	server.closeAllConnections();
	console.log('[kring] stopped');
	process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
