// What `npm start` compares with the last build to decide whether to build again (scripts/start.js).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Where the stamp of the sources of the last build is kept, relative to the repository. */
export const STAMP_FILE = 'build/.source-stamp';

export const SOURCES = [
	'src',
	'server',
	'static',
	'scripts/build-server.js',
	'package.json',
	'package-lock.json',
	'svelte.config.js',
	'vite.config.ts',
	'tsconfig.json'
];

/**
 * Every file under a source, in a stable order.
 * @param {string} path
 * @returns {string[]}
 */
function files(path) {
	if (!existsSync(path)) return [];
	if (!statSync(path).isDirectory()) return [path];
	return readdirSync(path, { withFileTypes: true })
		.sort((a, b) => (a.name < b.name ? -1 : 1))
		.flatMap((entry) => files(join(path, entry.name)));
}

/**
 * A SHA-256 over the path and content of every file the build reads: equal stamps, equal builds.
 * @param {string} root
 */
export function sourceStamp(root) {
	const hash = createHash('sha256');
	for (const file of SOURCES.flatMap((source) => files(join(root, source)))) {
		hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
	}
	return hash.digest('hex');
}
