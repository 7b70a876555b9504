/**
 * Backup and restore of the embedded database (PGlite under KRING_DATA_DIR, ./data), for the
 * coordinator's own computer. Both need the folder to themselves: while Kring runs, its lock
 * makes them refuse, naming the process.
 *
 *   npm run backup                      writes backups/kring-<date>-<time>.tar.gz
 *   npm run backup -- --out <file>      writes <file>
 *   npm run restore -- <file>           puts <file> in place of the store; the old one is kept aside
 *
 * A backup is PGlite's own dump of its data folder (a gzipped tar), read back in memory before it
 * is called done. With DATABASE_URL (PostgreSQL) use pg_dump and pg_restore instead (README).
 */
import {
	closeSync,
	existsSync,
	fsyncSync,
	mkdirSync,
	openSync,
	readdirSync,
	readFileSync,
	renameSync,
	writeSync
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { createDurablePglite } from '../src/lib/server/db';
import { DataDirInUseError, lockDataDir } from '../src/lib/server/db/data-lock';
import { config } from '../src/lib/server/config';

class Refused extends Error {}

const POSTGRES_ADVICE =
	'DATABASE_URL is set: Kring keeps its data in PostgreSQL. Back it up with ' +
	'`pg_dump --format=custom --file=kring.dump "$DATABASE_URL"` and restore with ' +
	'`pg_restore --clean --if-exists --dbname="$DATABASE_URL" kring.dump` while Kring is stopped.';

function stamp(): string {
	return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').replace(/\..*$/, '');
}

/** Opens a dump in memory and counts what is in it: a dump that does not load is no backup. */
async function verify(dump: Blob): Promise<string> {
	const { PGlite } = await import('@electric-sql/pglite');
	let pg: PGlite | null = null;
	try {
		pg = new PGlite({ loadDataDir: dump });
		const [counts] = (
			await pg.query<{ conferences: number; documents: number; versions: number }>(
				`select (select count(*)::int from conferences) as conferences,
				        (select count(*)::int from (select conference_id, document_name from doc_updates
				         union select conference_id, document_name from doc_snapshots) d) as documents,
				        (select count(*)::int from plan_versions) as versions`
			)
		).rows;
		return `${counts.conferences} conference(s), ${counts.documents} stored document(s), ${counts.versions} accepted version(s)`;
	} catch (error) {
		throw new Refused(`the backup does not load: ${(error as Error).message}`);
	} finally {
		await pg?.close().catch(() => {});
	}
}

function writeDurably(path: string, bytes: Uint8Array): void {
	mkdirSync(dirname(path), { recursive: true });
	const fd = openSync(path, 'wx', 0o600);
	try {
		writeSync(fd, bytes);
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
	fsyncPath(dirname(path));
}

function fsyncPath(path: string): void {
	const fd = openSync(path, 'r');
	try {
		fsyncSync(fd);
	} finally {
		closeSync(fd);
	}
}

/** Every file and folder under `root` on the disk: what PGlite unpacked went through no fsync of its own. */
function fsyncTree(root: string): void {
	for (const entry of readdirSync(root, { withFileTypes: true })) {
		const path = join(root, entry.name);
		if (entry.isDirectory()) fsyncTree(path);
		else if (entry.isFile()) fsyncPath(path);
	}
	fsyncPath(root);
}

async function backup(args: string[]): Promise<void> {
	let out: string | null = null;
	for (let i = 0; i < args.length; i++) {
		if (args[i] === '--out' && args[i + 1]) out = resolve(args[++i]);
		else throw new Refused(`unknown option ${args[i]} (npm run backup [-- --out <file>])`);
	}
	const { dataDir } = config();
	const store = join(dataDir, 'pglite');
	if (!existsSync(join(store, 'PG_VERSION'))) throw new Refused(`there is no store in ${dataDir} to back up`);
	out ??= resolve('backups', `kring-${stamp()}.tar.gz`);
	if (existsSync(out)) throw new Refused(`${out} exists already; choose another name with --out`);

	const unlock = lockDataDir(dataDir, 'npm run backup');
	let dump: Blob;
	try {
		const pg = await createDurablePglite(store);
		try {
			await pg.query('checkpoint');
			dump = await pg.dumpDataDir('gzip');
		} finally {
			await pg.close();
		}
	} finally {
		unlock();
	}
	const contents = await verify(dump);
	writeDurably(out, new Uint8Array(await dump.arrayBuffer()));
	console.log(`[kring] backup written to ${out} (${dump.size} bytes): ${contents}`);
}

async function restore(args: string[]): Promise<void> {
	if (args.length !== 1) throw new Refused('name the backup to restore: npm run restore -- <file>');
	const file = resolve(args[0]);
	if (!existsSync(file)) throw new Refused(`${file} does not exist`);
	const dump = new Blob([readFileSync(file)]);
	const contents = await verify(dump);

	const { dataDir } = config();
	const store = join(dataDir, 'pglite');
	const unlock = lockDataDir(dataDir, 'npm run restore');
	try {
		let keptAt: string | null = null;
		if (existsSync(store)) {
			// Never thrown away: the store being replaced is kept beside it.
			keptAt = join(dataDir, `pglite.before-restore-${stamp()}`);
			renameSync(store, keptAt);
			fsyncPath(dataDir);
		}
		try {
			const pg = await createDurablePglite(store, { loadDataDir: dump });
			try {
				await pg.query('select 1 from conferences limit 1');
				await pg.query('checkpoint');
			} finally {
				await pg.close();
			}
		} catch (error) {
			// Put the old store back; what was unpacked stays beside it for a look.
			if (existsSync(store)) renameSync(store, join(dataDir, `pglite.failed-restore-${stamp()}`));
			if (keptAt) renameSync(keptAt, store);
			throw error;
		}
		fsyncTree(store);
		console.log(`[kring] restored ${basename(file)} into ${store}: ${contents}`);
		if (keptAt) console.log(`[kring] the store it replaced is kept in ${keptAt}`);
	} finally {
		unlock();
	}
}

async function main([command, ...args]: string[]): Promise<void> {
	if (config().databaseUrl) throw new Refused(POSTGRES_ADVICE);
	if (command === 'backup') return backup(args);
	if (command === 'restore') return restore(args);
	throw new Refused('usage: npm run backup [-- --out <file>] | npm run restore -- <file>');
}

main(process.argv.slice(2)).then(
	() => process.exit(0),
	(error: unknown) => {
		if (error instanceof DataDirInUseError)
			console.error(
				`[kring] ${error.message.replace('Nothing was opened.', 'Stop Kring first; nothing was changed.')}`
			);
		else if (error instanceof Refused) console.error(`[kring] ${error.message}`);
		else console.error(error);
		process.exit(1);
	}
);
