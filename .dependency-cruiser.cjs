/**
 * `npm run check:cycles`: Kring's import graph over src/ and server/, resolved the way Vite and
 * svelte-check resolve it (SvelteKit's `$lib` and `$server` aliases, .svelte components through
 * the Svelte compiler). Type-only imports count too: a cycle through types still ties two
 * layers together; only the registry, which imports nothing but types, may close one.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
	forbidden: [
		{
			name: 'no-circular',
			comment:
				'Modules may not depend on themselves through others: dependencies point one way. The registry is the one place where types point back up (it names what it holds); it imports nothing else.',
			severity: 'error',
			from: {},
			to: { circular: true, viaOnly: { pathNot: '^src/lib/server/registry[.]ts$' } }
		},
		{
			name: 'registry-imports-only-types',
			comment: 'The process-wide registry is read by services and the entry points, so it may hold no code of theirs.',
			severity: 'error',
			from: { path: '^src/lib/server/registry[.]ts$' },
			to: { dependencyTypesNot: ['type-only'] }
		},
		{
			name: 'collab-is-handed-its-services',
			comment: 'The live server gets what it needs handed in (hooks); it imports domain code and types, no service.',
			severity: 'error',
			// Its specs may wire it to the real in-process bus.
			from: { path: '^src/lib/server/collab/', pathNot: '[.]spec[.]ts$' },
			to: { path: '^src/lib/server/(?!collab/)', dependencyTypesNot: ['type-only'] }
		},
		{
			name: 'domain-imports-no-server',
			comment: 'Pure domain code (conference, plan) is shared by server, client and tests.',
			severity: 'error',
			from: { path: '^src/lib/(conference|plan)/' },
			to: { path: '^(src/lib/server/|src/routes/|server/)' }
		},
		{
			name: 'every-import-resolves',
			comment:
				'An import the cruiser cannot follow hides the cycles behind it. Only what SvelteKit generates or the build writes is exempt.',
			severity: 'error',
			from: {},
			to: { couldNotResolve: true, pathNot: '^(\\$app/|\\$env/|\\$service-worker$|\\./\\$types$|\\./handler\\.js$)' }
		}
	],
	options: {
		doNotFollow: { path: 'node_modules' },
		exclude: { path: '^(\\.svelte-kit|build|node_modules)/' },
		tsPreCompilationDeps: true,
		webpackConfig: { fileName: 'scripts/kit-aliases.cjs' },
		enhancedResolveOptions: {
			exportsFields: ['exports'],
			conditionNames: ['import', 'require', 'node', 'default', 'types', 'svelte'],
			mainFields: ['module', 'main', 'types', 'typings'],
			extensions: ['.ts', '.js', '.svelte', '.json']
		}
	}
};
