// Starts the built server (build/start.js) for Playwright on a store of its own, so end-to-end
// tests never see data from another run: with DATABASE_URL, a fresh database `<name>_e2e` next to
// it; otherwise a fresh PGlite directory (KRING_DATA_DIR). Both are removed again when the server exits.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import postgres from 'postgres';

const adminUrl = process.env.DATABASE_URL;

if (adminUrl) {
	const url = new URL(adminUrl);
	const name = `${decodeURIComponent(url.pathname.slice(1)) || 'kring'}_e2e`;
	if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`[e2e] unusable database name for end-to-end tests: ${name}`);
	await recreateDatabase(adminUrl, name);
	url.pathname = `/${name}`;
	process.env.DATABASE_URL = url.toString();
	process.on('exit', () => dropDatabase(adminUrl, name));
} else {
	const dataDir = process.env.KRING_DATA_DIR;
	if (!dataDir) throw new Error('[e2e] KRING_DATA_DIR must be set: the end-to-end server never uses ./data');
	rmSync(dataDir, { recursive: true, force: true });
	mkdirSync(dataDir, { recursive: true });
	process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
}

// A computed specifier: the build output does not exist until `npm run build`, and type checks run before it.
await import(new URL('../../../build/start.js', import.meta.url).href);

/**
 * @param {string} url
 * @param {string} name
 */
async function recreateDatabase(url, name) {
	const sql = postgres(url, { max: 1, onnotice: () => {} });
	try {
		await sql.unsafe(`drop database if exists "${name}" with (force)`);
		await sql.unsafe(`create database "${name}"`);
	} finally {
		await sql.end({ timeout: 5 });
	}
}

/**
 * Runs at process exit, when only synchronous work is possible: a short child process drops it.
 * @param {string} url
 * @param {string} name
 */
function dropDatabase(url, name) {
	const script = `import postgres from 'postgres';
const sql = postgres(process.env.KRING_ADMIN_URL, { max: 1, onnotice: () => {} });
await sql.unsafe('drop database if exists "${name}" with (force)');
await sql.end({ timeout: 5 });`;
	spawnSync(process.execPath, ['--input-type=module', '-e', script], {
		env: { ...process.env, KRING_ADMIN_URL: url },
		stdio: 'ignore',
		timeout: 10_000
	});
}
