/**
 * Production entry: one HTTP server for the SvelteKit pages and the collab WebSocket
 * (/collab/<conference>/<brief|plan>) on the same port.
 */
import { createServer } from 'node:http';
import { config, type Config } from '../src/lib/server/config';
import { registry } from '../src/lib/server/registry';

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

// Importing the handler runs SvelteKit's `init` hook: database, migrations, bus, collab server.
// @ts-expect-error the SvelteKit build has no type declarations
const { handler } = await import('./handler.js');

const { host, port } = settings;

const server = createServer((request, response) => {
	if (!settings.origin) request.headers['x-forwarded-proto'] ??= 'http';
	handler(request, response);
});
server.on('upgrade', (request, socket, head) => {
	const upgrade = registry().upgrade;
	if (!upgrade || !upgrade(request, socket, head)) socket.destroy();
});

server.listen(port, host, () => {
	console.log(`[kring] listening on http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`);
});

let stopping = false;
async function stop(signal: string): Promise<void> {
	if (stopping) return;
	stopping = true;
	console.log(`[kring] ${signal}: closing`);
	server.close();
	server.closeAllConnections();
	const shutdown = registry().shutdown;
	await shutdown?.().catch((error: Error) => console.error('[kring] shutdown:', error.message));
	process.exit(0);
}
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
