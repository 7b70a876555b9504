import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { registry } from '../registry';

/**
 * One process at a time on the embedded database's folder. PGlite is PostgreSQL in this process,
 * without PostgreSQL's own guard against a second server on the same files: two processes on one
 * folder damage it. So every process that opens the folder (the server, `vite dev`, the repair and
 * backup tools) first takes `kring.lock` in it, and a second one refuses to start, naming the first.
 *
 * The lock file holds the holder's pid, host and start time; it is created with O_EXCL, so of two
 * processes starting at once only one gets it. A lock whose process is gone (killed, crashed) is
 * taken over. Why not proper-lockfile: it keeps a lock alive by touching it every few seconds and
 * calls it stale when that stops, so a server stalled for a moment under load can lose its lock; it
 * also does not say which process holds it. A pid with a liveness check says both, exactly.
 */

export type LockHolder = { pid: number; host: string; startedAt: string; what: string; processStart: string | null };

export class DataDirInUseError extends Error {
	constructor(
		readonly dataDir: string,
		readonly holder: LockHolder
	) {
		super(
			`Kring's data folder ${dataDir} is in use by process ${holder.pid} (${holder.what}, since ${holder.startedAt}` +
				`${holder.host === hostname() ? '' : `, on ${holder.host}`}). Only one process may open it at a time: ` +
				'stop that one first, or give this one another folder with KRING_DATA_DIR. Nothing was opened.'
		);
		this.name = 'DataDirInUseError';
	}
}

const LOCK_FILE = 'kring.lock';

/** In the registry: shared by every copy of this module in the process (the entry and the SvelteKit bundle each have one). */
function held(): Map<string, number> {
	return (registry().dataLocks ??= new Map());
}

/**
 * Takes the lock on `dataDir` for this process, or throws DataDirInUseError naming the process that
 * holds it. Taking it again in the same process only counts; `release` gives it back.
 */
export function lockDataDir(dataDir: string, what: string): () => void {
	const path = join(dataDir, LOCK_FILE);
	const locks = held();
	const count = locks.get(path);
	if (count) {
		locks.set(path, count + 1);
		return once(() => release(path));
	}
	mkdirSync(dataDir, { recursive: true });
	const me: LockHolder = {
		pid: process.pid,
		host: hostname(),
		startedAt: new Date().toISOString(),
		what,
		processStart: processStart(process.pid)
	};
	for (let attempt = 0; ; attempt++) {
		try {
			const fd = openSync(path, 'wx', 0o600);
			try {
				writeSync(fd, JSON.stringify(me));
				fsyncSync(fd);
			} finally {
				closeSync(fd);
			}
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
		}
		const { raw, holder } = readHolder(path);
		if (holder && isAlive(holder)) throw new DataDirInUseError(dataDir, holder);
		// Gone (or a lock file left half-written by a crash): take it over, unless someone else
		// replaced it meanwhile with a lock of their own.
		if (raw !== null && readRaw(path) === raw) {
			console.warn(`[kring] taking over the lock on ${dataDir} from process ${holder?.pid ?? '?'}, which is gone`);
			unlinkQuietly(path);
		}
	}
	locks.set(path, 1);
	process.once('exit', () => releaseAtExit(path));
	return once(() => release(path));
}

function once(fn: () => void): () => void {
	let done = false;
	return () => {
		if (done) return;
		done = true;
		fn();
	};
}

function release(path: string): void {
	const locks = held();
	const count = locks.get(path) ?? 0;
	if (count > 1) return void locks.set(path, count - 1);
	locks.delete(path);
	removeIfMine(path);
}

function releaseAtExit(path: string): void {
	if (!held().has(path)) return;
	held().delete(path);
	removeIfMine(path);
}

function removeIfMine(path: string): void {
	const { holder } = readHolder(path);
	if (holder?.pid === process.pid && holder.host === hostname()) unlinkQuietly(path);
}

function readRaw(path: string): string | null {
	try {
		return readFileSync(path, 'utf8');
	} catch {
		return null;
	}
}

function readHolder(path: string): { raw: string | null; holder: LockHolder | null } {
	const raw = readRaw(path);
	if (raw === null) return { raw, holder: null };
	try {
		const holder = JSON.parse(raw) as LockHolder;
		return { raw, holder: Number.isInteger(holder.pid) ? holder : null };
	} catch {
		return { raw, holder: null };
	}
}

function isAlive(holder: LockHolder): boolean {
	// Another computer's process (a folder on a shared disk) cannot be checked from here: assume it runs.
	if (holder.host !== hostname()) return true;
	try {
		process.kill(holder.pid, 0);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
	}
	// The pid is in use; after a reboot or in a container it may belong to another program now.
	const start = processStart(holder.pid);
	return !(start && holder.processStart && start !== holder.processStart);
}

/** When a process started (Linux: clock ticks since boot, from /proc), to tell a reused pid apart. */
function processStart(pid: number): string | null {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		// The command name (field 2) may hold spaces and parentheses: count fields after its closing ')'.
		return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
	} catch {
		return null;
	}
}

function unlinkQuietly(path: string): void {
	try {
		unlinkSync(path);
	} catch {
		// already gone
	}
}
