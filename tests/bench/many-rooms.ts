/**
 * `npm run bench -- many-rooms`: many conferences at once, each with a dozen phones typing now
 * and then, side by side with the reference server (@y/websocket-server 0.1.1 in its own process).
 *
 * R conferences × C family members, each on their own session and socket, each typing into the
 * plan at a human rate. Kring is the built server with authentication, access checks and
 * persistence (PostgreSQL when DATABASE_URL is set, else PGlite), then the same load on two
 * instances over Redis on one PostgreSQL database (the phones of a room split across both). Load
 * generators are processes of their own (many-rooms-load.ts). Figures only; the results are also
 * written as JSON to bench/results/ with a description of the machine.
 *
 * Flags: --rooms=20 --members=10 --rate=5 (edits per phone per second) --seconds=45
 *        --after-close=30 (seconds before the last RSS) --generators=2 --only=kring,reference,two
 *        --cpu-prof (Kring writes a CPU profile to bench/profiles/ when it stops)
 *        --heap-snapshots (each server's heap before, idle and after close, to bench/profiles/)
 *        --label=after-x (added to the results' file name)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { Browser } from '../support/http-client';
import {
	DEFAULT_POSTGRES_URL,
	REPO_ROOT,
	startKring,
	TEST_REDIS_URL,
	type KringServer,
	type StartOptions
} from '../support/server';
import { changePhase, conferenceWithFamily, createCoordinator } from '../support/steps';
import { collabUrl } from '../support/yjs-client';
import type { LoadCommand, LoadReport, LoadRoom } from './many-rooms-load';
import { bytes, ms, percentile } from './stats';

type Options = {
	rooms: number;
	members: number;
	rate: number;
	seconds: number;
	afterClose: number;
	generators: number;
	only: string[];
	cpuProf: boolean;
	heapSnapshots: boolean;
	/** Named in the results' file and JSON (e.g. before / after a change). */
	label: string;
};

type Target = {
	name: string;
	/** The server processes whose CPU and memory count. */
	pids: () => number[];
	/** Process ids of the database's backends serving this target (PostgreSQL only). */
	databasePids: () => Promise<number[]>;
	rooms: LoadRoom[];
	stop: () => Promise<void>;
	database: string;
	/** The servers' inspector addresses: the bench collects their garbage and reads their heap. */
	inspectors: () => string[];
};

export type ManyRoomsResult = {
	name: string;
	database: string;
	latency: { p50: number; p95: number; p99: number; max: number };
	deliveredPercent: number;
	editsPerSecond: number;
	deliveriesPerSecond: number;
	sent: number;
	asked: number;
	serverCpuSeconds: number;
	databaseCpuSeconds: number;
	cpuMsPerEdit: number;
	rss: { before: number; peak: number; after: number; idleLoaded: number; afterClose: number };
	/** JS heap + external memory after a full garbage collection, of all server processes together. */
	heap: { before: number; idleLoaded: number; afterClose: number };
	/** Of that heap, the compiled code (machine code and bytecode with their metadata, v8.getHeapCodeStatistics()). */
	code: { before: number; idleLoaded: number; afterClose: number };
	memoryPerIdleRoom: number;
	/**
	 * The same without the code compiled meanwhile: a process compiles its hot paths once, whatever
	 * the number of rooms, and how much it compiles varies with the load of the machine.
	 */
	memoryPerIdleRoomWithoutCode: number;
	generatorLag: { p99: number; max: number };
};

const FIELD = 'contingency';
/** An inspector on a free port of the loopback, for heapOf(). */
const INSPECT = '--inspect=127.0.0.1:0';
/** How long phones stay idle before the loaded rooms are measured: past the update guard's 10 s. */
const IDLE_MS = 12_000;
const CLOCK_TICKS = 100;

function parseOptions(argv: string[]): Options {
	const flag = (name: string, fallback: number) => {
		const found = argv.find((arg) => arg.startsWith(`--${name}=`));
		return found ? Number(found.split('=')[1]) : fallback;
	};
	const only = argv.find((arg) => arg.startsWith('--only='));
	return {
		rooms: flag('rooms', 20),
		members: flag('members', 10),
		rate: flag('rate', 5),
		seconds: flag('seconds', 45),
		afterClose: flag('after-close', 30),
		generators: flag('generators', 2),
		only: only ? only.split('=')[1].split(',') : ['kring', 'reference', 'two'],
		cpuProf: argv.includes('--cpu-prof'),
		heapSnapshots: argv.includes('--heap-snapshots'),
		label: (argv.find((arg) => arg.startsWith('--label='))?.split('=')[1] ?? '').replace(/[^a-z0-9-]/gi, '')
	};
}

export async function manyRooms(argv: string[]): Promise<void> {
	const options = parseOptions(argv);
	const machine = describeMachine();
	console.log(
		`Kring many-rooms bench — ${machine.cpus} CPU(s) (${machine.cpuModel}), ${bytes(machine.memory)}, Node ${process.version}, load average ${machine.loadAverage.join(' ')}`
	);
	console.log(
		`${options.rooms} conferences × ${options.members} phones, each typing ${options.rate} edits/s with its caret, for ${options.seconds} s; ${options.generators} load generator process(es)`
	);
	const results: ManyRoomsResult[] = [];
	const runs: [string, () => Promise<Target>][] = [
		['kring', () => kringTarget(options, 1)],
		['reference', () => referenceTarget(options)],
		['two', () => kringTarget(options, 2)]
	];
	for (const [key, start] of runs) {
		if (!options.only.includes(key)) continue;
		progress(`starting ${key}`);
		let target: Target;
		try {
			target = await start();
		} catch (error) {
			// Two instances need PostgreSQL and Redis: a machine without them still gets the other figures.
			if (key !== 'two') throw error;
			console.warn(`! two instances not measured: ${(error as Error).message.split('\n')[0]}`);
			continue;
		}
		try {
			results.push(await measure(target, options));
		} finally {
			await target.stop();
		}
		progress(`${key} done`);
	}
	const reference = results.find((r) => r.name === 'reference');
	console.log(render(results, reference, options));
	const out = join(REPO_ROOT, 'bench', 'results');
	mkdirSync(out, { recursive: true });
	const stamp = new Date().toISOString().replace(/[:.]/g, '-');
	const file = join(out, `many-rooms-${stamp}${options.label ? `-${options.label}` : ''}.json`);
	writeFileSync(
		file,
		JSON.stringify({ bench: 'many-rooms', at: new Date().toISOString(), machine, options, results }, null, '\t')
	);
	console.log(`\nresults: ${file}`);
}

function progress(what: string): void {
	process.stderr.write(`… ${what}\n`);
}

// ---------------------------------------------------------------------------------------------
// the targets

async function kringTarget(options: Options, instances: 1 | 2): Promise<Target> {
	// Two instances need a database both reach: PostgreSQL, with Redis between them.
	const database = instances === 2 ? 'postgres' : process.env.DATABASE_URL ? 'postgres' : 'pglite';
	const inspectors: string[] = [];
	const start: StartOptions = {
		database,
		onStderr: (text) => {
			const inspector = /Debugger listening on (ws:\/\/\S+)/.exec(text);
			if (inspector) return void inspectors.push(inspector[1]);
			if (/Debugger attached|For help, see|Debugger ending/.test(text)) return;
			if (!text.includes('[collab] refused')) process.stderr.write(`[kring] ${text}`);
		},
		...(instances === 2 ? { redisUrl: TEST_REDIS_URL } : {}),
		// Each phone has its own session and socket, as in a real conference: the default limits hold.
		// --cpu-prof: each server writes a CPU profile to bench/profiles/ when it stops.
		nodeArgs: [
			INSPECT,
			...(options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${join(REPO_ROOT, 'bench', 'profiles')}`] : [])
		]
	};
	const first = await startKring(start);
	const servers: KringServer[] = [first];
	// The account first: a second instance makes a setup link of its own while none exists.
	const coordinator = (await createCoordinator(first)).client;
	if (instances === 2) servers.push(await startKring({ ...start, sameDatabaseAs: first }));
	const rooms: LoadRoom[] = [];
	for (let r = 0; r < options.rooms; r++) {
		progress(`  conference ${r + 1}/${options.rooms}`);
		const names = Array.from({ length: options.members }, (_, i) => `Familie ${i + 1}`);
		const { id, cookies } = await benchConference(first, coordinator, `Conferentie ${r + 1}`, names);
		rooms.push({
			name: id,
			urls: cookies.map((_, i) => collabUrl(servers[i % servers.length], id, 'plan')),
			cookies
		});
	}
	const name = instances === 1 ? 'Kring' : 'Kring ×2 (Redis)';
	return {
		name,
		database: first.database.kind,
		inspectors: () => inspectors,
		pids: () => servers.map((server) => server.pid).filter((pid): pid is number => pid !== null),
		databasePids: () => postgresBackends(first),
		rooms,
		stop: async () => {
			for (const server of servers.reverse()) await server.stop();
		}
	};
}

async function benchConference(kring: KringServer, coordinator: Browser, title: string, names: string[]) {
	const { conferenceId, family } = await conferenceWithFamily(kring, coordinator, names, {
		title,
		question: 'Hoe zorgen we samen dat het goed gaat?'
	});
	await changePhase(coordinator, conferenceId, 'information');
	return { id: conferenceId, cookies: family.map((member) => member.client.cookieHeader()) };
}

async function referenceTarget(options: Options): Promise<Target> {
	const env = { ...process.env };
	delete env.YPERSISTENCE;
	delete env.CALLBACK_URL;
	const child = fork(fileURLToPath(new URL('./reference-server.js', import.meta.url)), [], {
		env,
		stdio: ['inherit', 'inherit', 'pipe', 'ipc'],
		execArgv: [
			INSPECT,
			...(options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${join(REPO_ROOT, 'bench', 'profiles', 'reference')}`] : [])
		]
	});
	const inspectors: string[] = [];
	child.stderr!.on('data', (chunk: Buffer) => {
		const text = chunk.toString();
		const inspector = /Debugger listening on (ws:\/\/\S+)/.exec(text);
		if (inspector) inspectors.push(inspector[1]);
		else if (!/Debugger attached|For help, see|Debugger ending/.test(text)) process.stderr.write(text);
	});
	const port = await new Promise<number>((resolve, reject) => {
		child.once('message', (message: { port: number }) => resolve(message.port));
		child.once('error', reject);
	});
	const rooms: LoadRoom[] = Array.from({ length: options.rooms }, (_, r) => ({
		name: `room-${r}`,
		urls: Array(options.members).fill(`ws://127.0.0.1:${port}/room-${r}`),
		cookies: Array(options.members).fill(undefined)
	}));
	return {
		name: 'reference',
		database: 'none (memory)',
		inspectors: () => inspectors,
		pids: () => (child.pid ? [child.pid] : []),
		databasePids: async () => [],
		rooms,
		stop: async () => {
			const exited = new Promise((resolve) => child.once('exit', resolve));
			// A disconnect lets it exit by itself (and write its CPU profile); SIGTERM would not.
			child.disconnect();
			setTimeout(() => child.kill('SIGTERM'), 3000).unref();
			await exited;
		}
	};
}

/** The PostgreSQL backends connected to this server's database (the server reaches them over TCP on this machine). */
async function postgresBackends(server: KringServer): Promise<number[]> {
	if (server.database.kind !== 'postgres') return [];
	const { default: postgres } = await import('postgres');
	const sql = postgres(process.env.DATABASE_URL ?? DEFAULT_POSTGRES_URL, { max: 1, onnotice: () => {} });
	try {
		const rows = await sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${server.database.name}`;
		return rows.map((row) => row.pid);
	} finally {
		await sql.end({ timeout: 5 });
	}
}

// ---------------------------------------------------------------------------------------------
// measuring

async function measure(target: Target, options: Options): Promise<ManyRoomsResult> {
	const rssBefore = rssOf(target.pids());
	const before = await heapOf(target.inspectors(), options.heapSnapshots ? `${target.name}-before` : undefined);
	const generators = Array.from({ length: Math.min(options.generators, target.rooms.length) }, () => startGenerator());
	try {
		progress(`  ${target.name}: opening ${options.rooms * options.members} phones`);
		await Promise.all(
			generators.map((generator, g) =>
				generator.ask({
					kind: 'open',
					rooms: target.rooms.filter((_, r) => r % generators.length === g),
					field: FIELD
				})
			)
		);
		const databasePids = await target.databasePids();
		const cpuBefore = cpuOf(target.pids());
		const databaseCpuBefore = cpuOf(databasePids);
		let peak = rssOf(target.pids());
		const sampler = setInterval(() => (peak = Math.max(peak, rssOf(target.pids()))), 250);
		progress(`  ${target.name}: typing for ${options.seconds} s`);
		const reports = (await Promise.all(
			generators.map((generator) =>
				generator.ask({ kind: 'type', rate: options.rate, seconds: options.seconds, drainMs: 2000 })
			)
		)) as Extract<LoadReport, { kind: 'typed' }>[];
		clearInterval(sampler);
		const serverCpu = cpuOf(target.pids()) - cpuBefore;
		const databaseCpu = cpuOf(databasePids) - databaseCpuBefore;
		const rssAfter = rssOf(target.pids());
		peak = Math.max(peak, rssAfter);
		// Every phone stays connected and stops typing: the rooms are loaded and idle (and past
		// the moment an idle room lets go of what it keeps only while people type).
		await sleep(IDLE_MS);
		const rssIdle = rssOf(target.pids());
		const idle = await heapOf(target.inspectors(), options.heapSnapshots ? `${target.name}-idle` : undefined);
		progress(`  ${target.name}: closing every phone, then ${options.afterClose} s idle`);
		await Promise.all(generators.map((generator) => generator.ask({ kind: 'close' })));
		await sleep(options.afterClose * 1000);
		const rssAfterClose = rssOf(target.pids());
		const afterClose = await heapOf(
			target.inspectors(),
			options.heapSnapshots ? `${target.name}-after-close` : undefined
		);

		const latencies: number[] = [];
		for (const report of reports) for (const value of report.latencies) latencies.push(value);
		const sent = sum(reports.map((r) => r.sent));
		const asked = sum(reports.map((r) => r.asked));
		const expected = sum(reports.map((r) => r.expected));
		const delivered = sum(reports.map((r) => r.delivered));
		const seconds = Math.max(...reports.map((r) => r.seconds));
		const lagP99 = Math.max(...reports.map((r) => r.lagP99));
		const lagMax = Math.max(...reports.map((r) => r.lagMax));
		if (lagP99 > 20)
			console.warn(`! a load generator's event loop ran up to ${ms(lagP99)} late (p99): it may be the bottleneck`);
		if (sent < asked * 0.98) console.warn(`! the generators sent ${sent} of the ${asked} edits asked for`);
		return {
			name: target.name,
			database: target.database,
			latency: {
				p50: percentile(latencies, 50),
				p95: percentile(latencies, 95),
				p99: percentile(latencies, 99),
				max: latencies.reduce((a, b) => Math.max(a, b), 0)
			},
			deliveredPercent: expected ? (delivered / expected) * 100 : 0,
			editsPerSecond: sent / seconds,
			deliveriesPerSecond: delivered / seconds,
			sent,
			asked,
			serverCpuSeconds: serverCpu,
			databaseCpuSeconds: databaseCpu,
			cpuMsPerEdit: sent ? ((serverCpu + databaseCpu) * 1000) / sent : 0,
			rss: { before: rssBefore, peak, after: rssAfter, idleLoaded: rssIdle, afterClose: rssAfterClose },
			heap: { before: before.heap, idleLoaded: idle.heap, afterClose: afterClose.heap },
			code: { before: before.code, idleLoaded: idle.code, afterClose: afterClose.code },
			memoryPerIdleRoom: (idle.heap - before.heap) / options.rooms,
			memoryPerIdleRoomWithoutCode: (idle.heap - idle.code - (before.heap - before.code)) / options.rooms,
			generatorLag: { p99: lagP99, max: lagMax }
		};
	} finally {
		for (const generator of generators) generator.stop();
	}
}

/**
 * JS heap plus external memory (array buffers) of these processes, each after a full garbage
 * collection, read through the inspector: RSS keeps what the heap once grew to, so it cannot show
 * what a room holds.
 */
async function heapOf(inspectors: string[], snapshotName?: string): Promise<{ heap: number; code: number }> {
	let total = 0;
	let code = 0;
	for (const [i, url] of inspectors.entries()) {
		const socket = new WebSocket(url);
		await new Promise((resolve, reject) => {
			socket.once('open', resolve);
			socket.once('error', reject);
		});
		let id = 0;
		const call = (method: string, params: object = {}) =>
			new Promise<{ result?: { result?: { value?: number } } }>((resolve) => {
				const mine = ++id;
				const onMessage = (data: Buffer) => {
					const message = JSON.parse(data.toString()) as { id?: number; result?: { result?: { value?: number } } };
					if (message.id !== mine) return;
					socket.off('message', onMessage);
					resolve(message);
				};
				socket.on('message', onMessage);
				socket.send(JSON.stringify({ id: mine, method, params }));
			});
		await call('HeapProfiler.collectGarbage');
		await call('HeapProfiler.collectGarbage');
		const answer = await call('Runtime.evaluate', {
			expression: '(() => { const m = process.memoryUsage(); return m.heapUsed + m.external; })()',
			returnByValue: true
		});
		total += answer.result?.result?.value ?? 0;
		const compiled = await call('Runtime.evaluate', {
			expression:
				"(() => { const c = process.getBuiltinModule('v8').getHeapCodeStatistics(); return c.code_and_metadata_size + c.bytecode_and_metadata_size; })()",
			returnByValue: true
		});
		code += compiled.result?.result?.value ?? 0;
		if (snapshotName) {
			// --heap-snapshots: what the heap holds, for Chrome's DevTools (Memory, Load) to compare.
			const chunks: string[] = [];
			const onChunk = (data: Buffer) => {
				const message = JSON.parse(data.toString()) as { method?: string; params?: { chunk: string } };
				if (message.method === 'HeapProfiler.addHeapSnapshotChunk') chunks.push(message.params!.chunk);
			};
			socket.on('message', onChunk);
			await call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
			socket.off('message', onChunk);
			const dir = join(REPO_ROOT, 'bench', 'profiles');
			mkdirSync(dir, { recursive: true });
			const file = join(dir, `${snapshotName.replace(/[^a-z0-9-]/gi, '')}-${i}.heapsnapshot`);
			writeFileSync(file, chunks.join(''));
			progress(`  heap snapshot: ${file}`);
		}
		socket.close();
	}
	return { heap: total, code };
}

type Generator = { ask: (command: LoadCommand) => Promise<LoadReport>; stop: () => void };

function startGenerator(): Generator {
	const child: ChildProcess = fork(fileURLToPath(new URL('./many-rooms-load.ts', import.meta.url)), [], {
		execArgv: ['--import', 'tsx'],
		serialization: 'advanced',
		stdio: 'inherit'
	});
	return {
		ask: (command) =>
			new Promise((resolve, reject) => {
				child.once('message', (report: LoadReport) =>
					report.kind === 'failed' ? reject(new Error(`load generator: ${report.message}`)) : resolve(report)
				);
				child.send(command);
			}),
		stop: () => child.kill()
	};
}

/** User + system CPU seconds of these processes, from /proc (0 for a process that is gone). */
function cpuOf(pids: number[]): number {
	let ticks = 0;
	for (const pid of pids) {
		try {
			const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			ticks += Number(fields[11]) + Number(fields[12]);
		} catch {
			// gone
		}
	}
	return ticks / CLOCK_TICKS;
}

function rssOf(pids: number[]): number {
	let total = 0;
	for (const pid of pids) {
		try {
			const status = readFileSync(`/proc/${pid}/status`, 'utf8');
			total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
		} catch {
			// gone
		}
	}
	return total;
}

function describeMachine() {
	return {
		cpus: cpus().length,
		cpuModel: cpus()[0]?.model ?? 'unknown',
		memory: totalmem(),
		freeMemory: freemem(),
		os: `${process.platform} ${release()}`,
		node: process.version,
		loadAverage: loadavg().map((n) => Number(n.toFixed(2)))
	};
}

// ---------------------------------------------------------------------------------------------
// the table

function render(results: ManyRoomsResult[], reference: ManyRoomsResult | undefined, options: Options): string {
	const ratio = (value: number, of: number | undefined) =>
		of && Number.isFinite(value) && of > 0 ? ` (${(value / of).toFixed(1)}×)` : '';
	const mb = (value: number) => `${(value / 1024 / 1024).toFixed(0)} MB`;
	const rows: [string, (r: ManyRoomsResult) => string][] = [
		['database', (r) => r.database],
		['latency p50', (r) => ms(r.latency.p50) + ratio(r.latency.p50, reference?.latency.p50)],
		['latency p95', (r) => ms(r.latency.p95) + ratio(r.latency.p95, reference?.latency.p95)],
		['latency p99', (r) => ms(r.latency.p99) + ratio(r.latency.p99, reference?.latency.p99)],
		['latency max', (r) => ms(r.latency.max) + ratio(r.latency.max, reference?.latency.max)],
		['delivered', (r) => `${r.deliveredPercent.toFixed(2)} %`],
		['edits/s (asked)', (r) => `${r.editsPerSecond.toFixed(0)} (${(r.asked / options.seconds).toFixed(0)})`],
		['deliveries/s', (r) => r.deliveriesPerSecond.toFixed(0)],
		[
			'server CPU',
			(r) => `${r.serverCpuSeconds.toFixed(1)} s` + ratio(r.serverCpuSeconds, reference?.serverCpuSeconds)
		],
		['database CPU', (r) => `${r.databaseCpuSeconds.toFixed(1)} s`],
		[
			'CPU per edit (db incl.)',
			(r) => `${(r.cpuMsPerEdit * 1000).toFixed(0)} µs` + ratio(r.cpuMsPerEdit, reference?.cpuMsPerEdit)
		],
		['RSS before', (r) => mb(r.rss.before)],
		['RSS peak', (r) => mb(r.rss.peak)],
		['RSS after typing', (r) => mb(r.rss.after)],
		[
			'memory per idle loaded room',
			(r) => bytes(r.memoryPerIdleRoom) + ratio(r.memoryPerIdleRoom, reference?.memoryPerIdleRoom)
		],
		[
			'  without compiled code',
			(r) =>
				bytes(r.memoryPerIdleRoomWithoutCode) +
				ratio(r.memoryPerIdleRoomWithoutCode, reference?.memoryPerIdleRoomWithoutCode)
		],
		['RSS idle, rooms loaded', (r) => mb(r.rss.idleLoaded)],
		[`RSS ${options.afterClose} s after all closed`, (r) => mb(r.rss.afterClose)],
		['heap before (after GC)', (r) => mb(r.heap.before)],
		[`heap ${options.afterClose} s after all closed`, (r) => mb(r.heap.afterClose)],
		[
			'compiled code before / idle / after',
			(r) =>
				[r.code.before, r.code.idleLoaded, r.code.afterClose].map((v) => (v / 1024 / 1024).toFixed(1)).join(' / ') +
				' MB'
		],
		['generator lag p99/max', (r) => `${ms(r.generatorLag.p99)}/${ms(r.generatorLag.max)}`]
	];
	const header = ['', ...results.map((r) => r.name)];
	const lines = rows.map(([label, cell]) => [label, ...results.map(cell)]);
	const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i].length)));
	const format = (cells: string[]) =>
		cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
	return [
		`\nmany rooms: ${options.rooms} conferences × ${options.members} phones, ${options.rate} edits/s each with a caret update, ${options.seconds} s`,
		format(header),
		widths.map((w) => '-'.repeat(w)).join('  '),
		...lines.map(format),
		'  latency: from a phone sending an edit until each other phone of its room has it (ratios: × the reference).',
		'  Kring stores every edit before anyone sees it; the reference keeps documents in memory only, without sign-in or access rules.',
		'  memory per idle loaded room: (heap with every phone connected and idle − heap before) / conferences, heap = JS heap + external after a full GC;',
		'  without compiled code: the same less the growth of compiled code and bytecode (v8.getHeapCodeStatistics()), which is per process, not per room;',
		'  RSS and heap are of the server processes together.',
		'  database CPU: the PostgreSQL backends of this database (from /proc); with PGlite it is inside the server CPU.'
	].join('\n');
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
