import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';

/**
 * `npm start` (scripts/start.js) in a checkout of stand-ins: an `npm` on a PATH of its own that
 * writes down each build and leaves a build/start.js that says it started. The first start builds,
 * a second start with the same sources does not, a changed source builds again; a build's own
 * output is shown only when it fails.
 */
const SCRIPTS = fileURLToPath(new URL('../../scripts/', import.meta.url));
const made: string[] = [];
afterEach(() => {
	for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function checkout(buildFails = false) {
	const root = mkdtempSync(join(tmpdir(), 'kring-start-'));
	made.push(root);
	mkdirSync(join(root, 'scripts'));
	for (const script of ['start.js', 'source-stamp.js'])
		copyFileSync(join(SCRIPTS, script), join(root, 'scripts', script));
	mkdirSync(join(root, 'src'));
	writeFileSync(join(root, 'src', 'app.ts'), 'export const a = 1;\n');
	writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
	const bin = join(root, 'bin');
	mkdirSync(bin);
	writeFileSync(
		join(bin, 'npm'),
		`#!/bin/sh
echo build >> "${root}/builds.log"
echo "vite v8 building for production... (a hundred lines)"
echo "Run npm run preview to preview your production build locally."
${buildFails ? 'exit 2' : ''}
mkdir -p "${root}/build"
echo "console.log('[kring] started');" > "${root}/build/start.js"
`
	);
	chmodSync(join(bin, 'npm'), 0o755);
	const start = () =>
		spawnSync(process.execPath, [join(root, 'scripts', 'start.js')], {
			cwd: root,
			encoding: 'utf8',
			env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }
		});
	const builds = () => readFileSync(join(root, 'builds.log'), 'utf8').split('\n').filter(Boolean).length;
	return { root, start, builds };
}

it('builds on the first start and after a change, not when nothing changed, and keeps the build log to itself', () => {
	const { root, start, builds } = checkout();
	const first = start();
	expect(first.status).toBe(0);
	expect(builds()).toBe(1);
	expect(first.stdout).toContain('[kring] started');
	expect(first.stdout).not.toContain('npm run preview');
	expect(first.stdout.trim().split('\n')).toHaveLength(2);

	const second = start();
	expect(second.status).toBe(0);
	expect(builds()).toBe(1);
	expect(second.stdout.trim()).toBe('[kring] started');

	writeFileSync(join(root, 'src', 'app.ts'), 'export const a = 2;\n');
	expect(start().status).toBe(0);
	expect(builds()).toBe(2);
	expect(start().status).toBe(0);
	expect(builds()).toBe(2);
});

it('shows the build output and does not start when the build fails', () => {
	const { start } = checkout(true);
	const run = start();
	expect(run.status).not.toBe(0);
	expect(run.stdout).toContain('a hundred lines');
	expect(run.stdout).not.toContain('[kring] started');
	expect(run.stderr).toContain('the build failed');
});
