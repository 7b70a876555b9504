// `npm start`: builds Kring only when its sources changed since the last build, quietly, then starts
// it. The stamp is a SHA-256 over the paths and contents of everything the build reads; it is kept
// next to the build (build/.source-stamp), so a fresh checkout or a changed file builds once.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceStamp, STAMP_FILE } from './source-stamp.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STAMP = join(ROOT, STAMP_FILE);
const ENTRY = join(ROOT, 'build', 'start.js');

const stamp = sourceStamp(ROOT);
const built = existsSync(ENTRY) && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === stamp;
if (!built) {
	console.log('[kring] building (the sources changed since the last build; this takes a minute)…');
	// The build's own output (a hundred lines, and Vite's hint about `npm run preview`) is shown only when it fails.
	const build = spawnSync('npm', ['run', '--silent', 'build'], {
		cwd: ROOT,
		encoding: 'utf8',
		shell: process.platform === 'win32'
	});
	if (build.status !== 0) {
		process.stdout.write(build.stdout ?? '');
		process.stderr.write(build.stderr ?? '');
		console.error('[kring] the build failed (above); Kring did not start.');
		process.exit(build.status ?? 1);
	}
	writeFileSync(STAMP, `${stamp}\n`);
}

await import(new URL('../build/start.js', import.meta.url).href);
