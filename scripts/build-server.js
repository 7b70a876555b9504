// Bundles server/index.ts next to SvelteKit's build output as build/start.js.
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { sourceStamp, STAMP_FILE } from './source-stamp.js';

await build({
	entryPoints: ['server/index.ts'],
	outfile: 'build/start.js',
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	packages: 'external',
	external: ['./handler.js'],
	logLevel: 'warning'
});

// The last step of `npm run build`: what was built, so that `npm start` does not build it again.
writeFileSync(STAMP_FILE, `${sourceStamp('.')}\n`);
