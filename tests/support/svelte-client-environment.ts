import type { Environment } from 'vitest/environments';

/**
 * Node, with the test file compiled as Svelte compiles browser code: runes specs
 * (`*.svelte.spec.ts`) see effects run and `createSubscriber` subscribe, without a DOM.
 * A file asks for it with `// @vitest-environment svelte-client` (aliased in vite.config.ts).
 */
export default {
	name: 'svelte-client',
	viteEnvironment: 'client',
	setup() {
		return { teardown() {} };
	}
} satisfies Environment;
