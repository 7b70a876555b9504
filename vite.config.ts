import { fileURLToPath } from 'node:url';
import { sveltekit } from '@sveltejs/kit/vite';
import type { Plugin } from 'vite';
import { configDefaults, defineConfig } from 'vitest/config';
import { registry } from './src/lib/server/registry.js';

/** In `vite dev`, the collab WebSocket is served on the same port, as in production. */
function kringCollab(): Plugin {
	return {
		name: 'kring-collab',
		configureServer(server) {
			server.httpServer?.on('upgrade', async (request, socket, head) => {
				if (!request.url?.startsWith('/collab/')) return;
				try {
					const startup = await server.ssrLoadModule('/src/lib/server/startup.ts');
					await startup.startKring();
					if (!registry().upgrade?.(request, socket, head)) socket.destroy();
				} catch (error) {
					console.error('[kring] collab upgrade failed in dev:', (error as Error).message);
					socket.destroy();
				}
			});
		}
	};
}

/**
 * Files that bound the server's event loop: they run while no other test file runs. Vitest runs the
 * groups in turn: group 0 (unit), then this group 1, and last, one file at a time, a project without
 * file parallelism in group 0 (integration); an explicit group order of 0 changes none of it.
 */
const ALONE = ['tests/security/fuzzed-messages-hurt-nobody.test.ts'];

// .ci/run asks for a JSON report to count passed, failed and skipped tests.
const reportDir = process.env.KRING_TEST_REPORT_DIR;

export default defineConfig({
	plugins: [sveltekit(), kringCollab()],
	server: { port: 3000, strictPort: false },
	test: {
		// A missing test file is not an error here: .ci/run counts all tests and fails on zero.
		passWithNoTests: true,
		allowOnly: false,
		reporters: reportDir ? ['default', 'json'] : ['default'],
		outputFile: reportDir ? { json: `${reportDir}/vitest.json` } : undefined,
		projects: [
			{
				extends: true,
				// A spec that runs runes (`*.svelte.spec.ts`) starts with `// @vitest-environment svelte-client`:
				// Svelte then compiles it as browser code, with the client runtime, so effects run.
				environments: { client: { resolve: { conditions: ['browser'] } } },
				resolve: {
					alias: {
						'vitest-environment-svelte-client': fileURLToPath(
							new URL('./tests/support/svelte-client-environment.ts', import.meta.url)
						)
					}
				},
				test: { name: 'unit', include: ['src/**/*.spec.ts', 'tests/unit/**/*.test.ts'], environment: 'node' }
			},
			{
				extends: true,
				test: {
					name: 'integration',
					include: ['tests/integration/**/*.test.ts', 'tests/security/**/*.test.ts'],
					exclude: [...configDefaults.exclude, ...ALONE],
					environment: 'node',
					testTimeout: 60_000,
					hookTimeout: 120_000,
					fileParallelism: false
				}
			},
			{
				extends: true,
				test: {
					name: 'alone',
					include: [...ALONE],
					environment: 'node',
					testTimeout: 60_000,
					hookTimeout: 120_000,
					// In a group of its own, while no other file runs: what it measures is the server, not its neighbours.
					sequence: { groupOrder: 1 }
				}
			}
		]
	}
});
