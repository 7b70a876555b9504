/**
 * SvelteKit's import aliases ($lib, $server, …) as a webpack-style resolve config, for
 * dependency-cruiser. They are read from the tsconfig SvelteKit generates, where each target is
 * relative to that file; dependency-cruiser's own tsconfig reader takes them relative to the
 * working directory instead and so resolves none of them.
 */
const { dirname, resolve } = require('node:path');
const ts = require('typescript');

const file = resolve(__dirname, '../.svelte-kit/tsconfig.json');
const { config, error } = ts.readConfigFile(file, ts.sys.readFile);
if (error)
	throw new Error(`run \`svelte-kit sync\` first: ${ts.flattenDiagnosticMessageText(error.messageText, '\n')}`);

const alias = {};
for (const [name, [target]] of Object.entries(config.compilerOptions.paths)) {
	// `$lib` also covers `$lib/…`; the wildcard entries add nothing.
	if (!name.endsWith('/*')) alias[name] = resolve(dirname(file), target);
}

module.exports = { resolve: { alias } };
