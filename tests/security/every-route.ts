/**
 * The route tree, read from src/routes so that a new route cannot escape the walk, and the probes
 * every attacker runs along it: each page and its `__data.json`, each socket.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { found } from '../support/found';
import type { Browser, Reply } from '../support/http-client';
import { openRawSocket } from '../support/raw-socket';
import { REPO_ROOT } from '../support/server';
import { queryAwareness, syncStep1 } from '../support/y-messages';

export type RouteEntry = {
	/** The route id as SvelteKit names it, e.g. `/(member)/c/[id]/events`. */
	id: string;
	/** The URL pattern without groups, e.g. `/c/[id]/events`. */
	pattern: string;
	page: boolean;
	endpoint: boolean;
	/** Named form actions of the page; `default` for a page's default action. */
	actions: string[];
	/** HTTP methods an endpoint exports. */
	methods: string[];
};

const PAGE_FILES = ['+page.svelte', '+page.server.ts', '+page.server.js', '+page.ts', '+page.js'];
const ENDPOINT_FILES = ['+server.ts', '+server.js'];

export function routeTree(dir = join(REPO_ROOT, 'src/routes')): RouteEntry[] {
	const entries: RouteEntry[] = [];
	const walk = (absolute: string, id: string) => {
		const files = readdirSync(absolute, { withFileTypes: true });
		const names = new Set(files.filter((f) => f.isFile()).map((f) => f.name));
		const page = PAGE_FILES.some((f) => names.has(f));
		const endpointFile = ENDPOINT_FILES.find((f) => names.has(f));
		if (page || endpointFile) {
			const serverPage = ['+page.server.ts', '+page.server.js'].find((f) => names.has(f));
			entries.push({
				id: id || '/',
				pattern:
					'/' +
					id
						.split('/')
						.filter((s) => s && !/^\(.*\)$/.test(s))
						.join('/'),
				page,
				endpoint: !!endpointFile,
				actions: serverPage ? exportedObjectKeys(join(absolute, serverPage), 'actions') : [],
				methods: endpointFile ? exportedNames(join(absolute, endpointFile)).filter((n) => /^[A-Z]+$/.test(n)) : []
			});
		}
		for (const child of files.filter((f) => f.isDirectory())) walk(join(absolute, child.name), `${id}/${child.name}`);
	};
	walk(dir, '');
	return entries;
}

function exportedObjectKeys(file: string, name: string): string[] {
	const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
	const keys: string[] = [];
	source.forEachChild((node) => {
		if (!ts.isVariableStatement(node) || !node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) return;
		for (const declaration of node.declarationList.declarations) {
			if (!ts.isIdentifier(declaration.name) || declaration.name.text !== name) continue;
			let init = declaration.initializer;
			while (init && (ts.isSatisfiesExpression(init) || ts.isAsExpression(init) || ts.isParenthesizedExpression(init)))
				init = init.expression;
			if (!init || !ts.isObjectLiteralExpression(init))
				throw new Error(`${file}: cannot read the keys of ${name}; teach routeTree()`);
			for (const property of init.properties) {
				if (!property.name || !(ts.isIdentifier(property.name) || ts.isStringLiteral(property.name)))
					throw new Error(`${file}: unreadable action name`);
				keys.push(property.name.text);
			}
		}
	});
	return keys;
}

function exportedNames(file: string): string[] {
	const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
	const names: string[] = [];
	source.forEachChild((node) => {
		const exported =
			ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
		if (ts.isVariableStatement(node) && exported) {
			for (const d of node.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
		} else if (ts.isFunctionDeclaration(node) && exported && node.name) names.push(node.name.text);
		else if (ts.isExportDeclaration(node) && node.exportClause && ts.isNamedExports(node.exportClause)) {
			for (const e of node.exportClause.elements) names.push(e.name.text);
		}
	});
	return names;
}

/**
 * Every concrete path of a pattern, with each parameter replaced by every value given for its
 * name. A parameter nobody gave values for is an error: a new route must be added here.
 */
export function concretePaths(pattern: string, values: Record<string, string[]>): string[] {
	let paths = [''];
	for (const segment of pattern.split('/').filter(Boolean)) {
		const param = /^\[{1,2}(?:\.\.\.)?([a-zA-Z_]+)(?:=[a-zA-Z_]+)?\]{1,2}$/.exec(segment);
		if (!param) {
			if (segment.includes('['))
				throw new Error(`route segment ${segment} mixes text and parameters; teach concretePaths()`);
			paths = paths.map((p) => `${p}/${segment}`);
			continue;
		}
		const options = values[param[1]];
		if (!options?.length)
			throw new Error(
				`no test values for the route parameter [${param[1]}] in ${pattern}: add them to the security suite`
			);
		paths = paths.flatMap((p) => options.map((v) => `${p}/${v}`));
	}
	return paths.length === 1 && paths[0] === '' ? ['/'] : paths;
}

/** No forbidden string in the answer (body or headers), no crash, and Kring's answers are not cached. */
export function checkReply(
	who: string,
	what: string,
	reply: Pick<Reply, 'status' | 'headers' | 'text'>,
	forbidden: readonly string[]
): string[] {
	const problems: string[] = [];
	const headerText = [...reply.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
	const leaked = found(reply.text + headerText, forbidden);
	if (leaked.length) problems.push(`${who} ${what}: leaked ${leaked.join(', ')}`);
	if (reply.status >= 500) problems.push(`${who} ${what}: status ${reply.status}`);
	// Kring's own answers are never stored; the build's static files (/_app/) hold no family content.
	const staticFile = / \/_app\//.test(what);
	if (reply.text.length > 0 && !staticFile && !reply.headers.get('cache-control')?.includes('no-store')) {
		problems.push(`${who} ${what}: Cache-Control is ${reply.headers.get('cache-control')}`);
	}
	return problems;
}

export type RouteValues = Record<string, string[]>;

/** GETs every route of the tree (and each page's __data.json), as HTML and as JSON. */
export async function walkEveryRoute(who: string, browser: Browser, values: RouteValues, forbidden: readonly string[]) {
	const problems: string[] = [];
	let requests = 0;
	for (const route of routeTree()) {
		for (const path of concretePaths(route.pattern, values)) {
			const urls = route.page ? [path, `${path === '/' ? '' : path}/__data.json`] : [path];
			for (const url of urls) {
				for (const accept of ['text/html', 'application/json']) {
					problems.push(...checkReply(who, `GET ${url} (${accept})`, await browser.get(url, { accept }), forbidden));
					requests++;
				}
			}
		}
	}
	return { problems, requests };
}

/** Opens the plan and brief sockets and asks for everything; returns what came back. */
export async function trySockets(browser: Browser, conferenceId: string, forbidden: readonly string[]) {
	const results: { doc: string; status: number; frames: number; leaked: string[] }[] = [];
	for (const doc of ['plan', 'brief']) {
		const socket = await openRawSocket(browser, conferenceId, doc);
		if (socket.status === 101) {
			socket.send(syncStep1());
			socket.send(queryAwareness());
			await socket.close();
		} else await socket.ended;
		results.push({ doc, status: socket.status, frames: socket.frames.length, leaked: found(socket.raw, forbidden) });
	}
	return results;
}
