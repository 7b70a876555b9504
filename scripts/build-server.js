// Bundles server/index.ts next to SvelteKit's build output as build/start.js, and the worker
// threads' entry as build/worker.js (start.js names it to src/lib/server/workers/pool.ts).
import { build } from 'esbuild';

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

await build({
	entryPoints: ['src/lib/server/workers/tasks.ts'],
	outfile: 'build/worker.js',
	bundle: true,
	platform: 'node',
	format: 'esm',
	target: 'node20',
	packages: 'external',
	logLevel: 'warning'
});
