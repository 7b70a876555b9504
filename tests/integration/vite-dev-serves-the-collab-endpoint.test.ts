import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../support/server';
import { Browser } from '../support/http-client';
import { upgradeStatus } from '../support/raw-socket';

let dev: ChildProcess | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'kring-dev-'));

afterAll(() => {
	dev?.kill('SIGTERM');
	rmSync(dataDir, { recursive: true, force: true });
});

it('`vite dev` answers the collab WebSocket itself, with the same authentication as production', async () => {
	const port = await freePort();
	let output = '';
	dev = spawn(
		process.execPath,
		['node_modules/vite/bin/vite.js', 'dev', '--port', String(port), '--strictPort', '--host', '127.0.0.1'],
		{
			env: { ...process.env, KRING_DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '' },
			stdio: ['ignore', 'pipe', 'pipe']
		}
	);
	dev.stdout?.on('data', (chunk) => (output += chunk));
	dev.stderr?.on('data', (chunk) => (output += chunk));
	const url = `http://127.0.0.1:${port}`;
	const deadline = Date.now() + 60_000;
	while ((await fetch(url).catch(() => null))?.status !== 200) {
		if (Date.now() > deadline) throw new Error(`vite dev did not answer on ${url}:\n${output}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}

	// Not Vite's HMR socket and not a silent hang: Kring's collab endpoint refusing a visitor without a session.
	expect(await upgradeStatus(new Browser({ url, origin: url }), 'abcdefgh', 'plan')).toBe(401);
	expect(output).toContain('/setup/');
}, 90_000);
