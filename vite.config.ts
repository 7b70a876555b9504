import { sveltekit } from '@sveltejs/kit/vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

const UPGRADE_KEY = Symbol.for('kring.upgrade');

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
					const upgrade = (globalThis as Record<symbol, unknown>)[UPGRADE_KEY] as (...args: unknown[]) => boolean;
					upgrade(request, socket, head);
				} catch (error) {
					console.error('[kring] collab upgrade failed in dev:', (error as Error).message);
					socket.destroy();
				}
			});
		}
	};
}

export default defineConfig({
	plugins: [sveltekit(), kringCollab()],
	server: { port: 3000, strictPort: false },
	test: {
		projects: [
			{ extends: true, test: { name: 'unit', include: ['src/**/*.spec.ts', 'tests/unit/**/*.test.ts'], environment: 'node' } },
			{
				extends: true,
				test: {
					name: 'integration',
					include: ['tests/integration/**/*.test.ts', 'tests/security/**/*.test.ts'],
					environment: 'node',
					testTimeout: 60_000,
					hookTimeout: 120_000,
					fileParallelism: false
				}
			}
		]
	}
});
