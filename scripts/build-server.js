// Bundles server/index.ts next to SvelteKit's build output as build/start.js, and the worker
// threads' entry as build/worker.js (start.js names it to src/lib/server/workers/pool.ts), and the
// embedded database's thread as build/pglite-thread.js (named to src/lib/server/db/index.ts).
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { sourceStamp, STAMP_FILE } from './source-stamp.js';

// As src/lib/server/bundle-source.ts bundles the threads for `vite dev` and the tests.
const NODE_BUNDLE = {
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	packages: 'external',
	logLevel: 'warning'
};

await build({
	...NODE_BUNDLE,
	entryPoints: ['server/index.ts'],
	outfile: 'build/start.js',
	external: ['./handler.js']
});

const THREADS = [
	{ entry: 'src/lib/server/workers/tasks.ts', outfile: 'build/worker.js' },
	{ entry: 'src/lib/server/db/pglite-thread.ts', outfile: 'build/pglite-thread.js' }
];
for (const { entry, outfile } of THREADS) await build({ ...NODE_BUNDLE, entryPoints: [entry], outfile });

// The last step of `npm run build`: what was built, so that `npm start` does not build it again.
writeFileSync(STAMP_FILE, `${sourceStamp('.')}\n`);
