import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// A name in a variable: the production build must neither bundle esbuild nor ask for it.
const ESBUILD = 'esbuild';

/**
 * Bundles a worker thread's TypeScript entry (for `vite dev` and the tests, which run the sources)
 * into node_modules/.cache/<cacheName>, where its packages resolve, and names the file.
 */
export async function bundleFromSource(source: string, cacheName: string): Promise<string> {
	const esbuild = (await import(/* @vite-ignore */ ESBUILD)) as typeof import('esbuild');
	const result = await esbuild.build({
		entryPoints: [source],
		bundle: true,
		platform: 'node',
		format: 'esm',
		target: 'node20',
		packages: 'external',
		write: false,
		logLevel: 'warning'
	});
	const code = result.outputFiles[0].contents;
	// Named by content: processes that bundle at once write the same file, and a changed source a new one.
	const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
	const dir = join(process.cwd(), 'node_modules', '.cache', cacheName);
	const file = join(dir, `worker-${hash}.mjs`);
	if (!existsSync(file)) {
		mkdirSync(dir, { recursive: true });
		const partial = `${file}.${process.pid}.partial`;
		writeFileSync(partial, code);
		renameSync(partial, file);
	}
	return file;
}
