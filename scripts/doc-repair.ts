/**
 * Looks at and repairs a stored document (the brief or the plan of one conference) that Kring
 * refuses to open because a stored part cannot be read. Run with tsx; docs/operations.md explains
 * when and how. It prints ids, sizes and dates, never what anyone wrote.
 *
 *   npx tsx scripts/doc-repair.ts scan
 *   npx tsx scripts/doc-repair.ts list <conference> <brief|plan>
 *   npx tsx scripts/doc-repair.ts repair <conference> <brief|plan> --exclude <id>[,<id>…]
 *       [--exclude-snapshot] [--export <file.json>] [--delete]
 *
 * The database is DATABASE_URL, or the embedded one under KRING_DATA_DIR (./data), which must not
 * be in use by a running Kring (its lock says so). Exit code: 0 fine, 1 refused or failed,
 * 2 (`scan`, `list`) a part that cannot be read was found.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import * as Y from 'yjs';
import { closeDatabase, connectDatabase, schema, type Database } from '../src/lib/server/db';
import { DataDirInUseError } from '../src/lib/server/db/data-lock';
import { config } from '../src/lib/server/config';
import { buildStoredDoc, decodeProblem, verifySnapshot, type StoredUpdate } from '../src/lib/server/stored-doc';

type DocumentName = 'brief' | 'plan';
type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

class Refused extends Error {}

// The migrations run as when Kring starts, from this checkout whatever the working directory.
process.env.KRING_MIGRATIONS ??= fileURLToPath(new URL('../drizzle', import.meta.url));

const USAGE = `usage:
  npx tsx scripts/doc-repair.ts scan
  npx tsx scripts/doc-repair.ts list <conference> <brief|plan>
  npx tsx scripts/doc-repair.ts repair <conference> <brief|plan> --exclude <id>[,<id>…] [--exclude-snapshot] [--export <file.json>] [--delete]`;

async function main(args: string[]): Promise<number> {
	const [command, ...rest] = args;
	if (command === 'scan' && rest.length === 0) return scan(await db());
	if (command === 'list' && rest.length === 2) return list(await db(), rest[0], documentName(rest[1]));
	if (command === 'repair' && rest.length >= 2)
		return repair(await db(), rest[0], documentName(rest[1]), rest.slice(2));
	throw new Refused(USAGE);
}

async function db(): Promise<Database> {
	// Never a fresh empty store by mistake (run from another folder, or a wrong KRING_DATA_DIR).
	const { dataDir, databaseUrl } = config();
	if (!databaseUrl && !existsSync(join(dataDir, 'pglite', 'PG_VERSION')))
		throw new Refused(`there is no Kring store in ${dataDir}: set KRING_DATA_DIR, or DATABASE_URL for PostgreSQL`);
	return (await connectDatabase()).db;
}

function documentName(value: string): DocumentName {
	if (value !== 'brief' && value !== 'plan') throw new Refused(`the document is "brief" or "plan", not "${value}"`);
	return value;
}

type Stored = {
	snapshot: { state: Uint8Array; upToUpdateId: number; updatedAt: Date } | undefined;
	rows: (StoredUpdate & { createdAt: Date })[];
};

async function readStored(tx: Tx | Database, conferenceId: string, name: DocumentName): Promise<Stored> {
	const [snapshot] = await tx
		.select({
			state: schema.docSnapshots.state,
			upToUpdateId: schema.docSnapshots.upToUpdateId,
			updatedAt: schema.docSnapshots.updatedAt
		})
		.from(schema.docSnapshots)
		.where(and(eq(schema.docSnapshots.conferenceId, conferenceId), eq(schema.docSnapshots.documentName, name)));
	const rows = await tx
		.select({ id: schema.docUpdates.id, update: schema.docUpdates.update, createdAt: schema.docUpdates.createdAt })
		.from(schema.docUpdates)
		.where(and(eq(schema.docUpdates.conferenceId, conferenceId), eq(schema.docUpdates.documentName, name)))
		.orderBy(asc(schema.docUpdates.id));
	return { snapshot, rows };
}

type Verdict = { label: string; id: number | 'snapshot'; bytes: number; at: Date; problem: string | null };

/**
 * Every stored part with whether it can be read: on its own, and on top of all the readable parts
 * before it (the order Kring loads them in).
 */
function judge(stored: Stored): Verdict[] {
	const verdicts: Verdict[] = [];
	const doc = new Y.Doc({ gc: true });
	const readable: Uint8Array[] = [];
	const tryPart = (bytes: Uint8Array): string | null => {
		const alone = decodeProblem(bytes);
		if (alone) return alone;
		try {
			Y.applyUpdate(doc, bytes);
			readable.push(bytes);
			return null;
		} catch (error) {
			// The document may be half-changed now: build it again from the readable parts.
			const fresh = new Y.Doc({ gc: true });
			for (const part of readable) Y.applyUpdate(fresh, part);
			Y.applyUpdate(doc, Y.encodeStateAsUpdate(fresh));
			return `does not apply after the parts before it (${(error as Error).name})`;
		}
	};
	if (stored.snapshot)
		verdicts.push({
			label: `snapshot (up to update ${stored.snapshot.upToUpdateId})`,
			id: 'snapshot',
			bytes: stored.snapshot.state.length,
			at: stored.snapshot.updatedAt,
			problem: tryPart(stored.snapshot.state)
		});
	for (const row of stored.rows)
		verdicts.push({
			label: `update ${row.id}`,
			id: row.id,
			bytes: row.update.length,
			at: row.createdAt,
			problem: tryPart(row.update)
		});
	doc.destroy();
	return verdicts;
}

async function list(database: Database, conferenceId: string, name: DocumentName): Promise<number> {
	const stored = await readStored(database, conferenceId, name);
	console.log(`${name} of conference ${conferenceId}:`);
	if (!stored.snapshot && stored.rows.length === 0) {
		console.log('  nothing stored');
		return 0;
	}
	const verdicts = judge(stored);
	for (const verdict of verdicts)
		console.log(
			`  ${verdict.label.padEnd(34)} ${verdict.at.toISOString()}  ${String(verdict.bytes).padStart(8)} bytes  ` +
				(verdict.problem ? `does not decode: ${verdict.problem}` : 'readable')
		);
	const bad = verdicts.filter((verdict) => verdict.problem);
	if (bad.length === 0) {
		console.log(`all ${verdicts.length} stored part(s) can be read`);
		return 0;
	}
	const updates = bad.filter((verdict) => verdict.id !== 'snapshot').map((verdict) => verdict.id);
	const snapshot = bad.some((verdict) => verdict.id === 'snapshot');
	console.log(`${bad.length} of ${verdicts.length} stored part(s) cannot be read. To open the document without them:`);
	console.log(
		`  npx tsx scripts/doc-repair.ts repair ${conferenceId} ${name}` +
			(updates.length > 0 ? ` --exclude ${updates.join(',')}` : '') +
			(snapshot ? ' --exclude-snapshot' : '') +
			' --export <file.json>'
	);
	return 2;
}

async function scan(database: Database): Promise<number> {
	const documents = await database
		.selectDistinct({ conferenceId: schema.docUpdates.conferenceId, documentName: schema.docUpdates.documentName })
		.from(schema.docUpdates)
		.union(
			database
				.selectDistinct({
					conferenceId: schema.docSnapshots.conferenceId,
					documentName: schema.docSnapshots.documentName
				})
				.from(schema.docSnapshots)
		);
	let damaged = 0;
	for (const { conferenceId, documentName } of documents) {
		const bad = judge(await readStored(database, conferenceId, documentName)).filter((verdict) => verdict.problem);
		if (bad.length === 0) continue;
		damaged++;
		console.log(`${documentName} of conference ${conferenceId}: ${bad.map((verdict) => verdict.label).join(', ')}`);
	}
	console.log(`${documents.length} document(s) looked at, ${damaged} with a part that cannot be read`);
	return damaged > 0 ? 2 : 0;
}

type RepairOptions = { exclude: number[]; excludeSnapshot: boolean; exportTo: string | null; delete: boolean };

function repairOptions(args: string[]): RepairOptions {
	const options: RepairOptions = { exclude: [], excludeSnapshot: false, exportTo: null, delete: false };
	for (let i = 0; i < args.length; i++) {
		const arg = args[i];
		if (arg === '--exclude' && args[i + 1]) {
			for (const id of args[++i].split(',')) {
				if (!/^\d+$/.test(id)) throw new Refused(`--exclude takes update ids (numbers), not "${id}"`);
				options.exclude.push(Number(id));
			}
		} else if (arg === '--exclude-snapshot') options.excludeSnapshot = true;
		else if (arg === '--export' && args[i + 1]) options.exportTo = args[++i];
		else if (arg === '--delete') options.delete = true;
		else throw new Refused(`unknown option ${arg}\n${USAGE}`);
	}
	return options;
}

/**
 * Writes a snapshot of every readable part except the excluded ones, checked to read back into
 * the same document, and takes the whole log out of the way: the parts folded in are deleted (they
 * are in the snapshot now), the excluded ones are moved to doc_quarantine (and written to the
 * export file if asked), or only with --delete thrown away. Under the same lock as compaction.
 */
async function repair(database: Database, conferenceId: string, name: DocumentName, args: string[]): Promise<number> {
	const options = repairOptions(args);
	const message = await database.transaction(async (tx) => {
		await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`kring/${conferenceId}/${name}`}))`);
		const stored = await readStored(tx, conferenceId, name);
		if (!stored.snapshot && stored.rows.length === 0)
			throw new Refused(`nothing is stored for ${name} of ${conferenceId}`);
		const known = new Set(stored.rows.map((row) => row.id));
		const unknown = options.exclude.filter((id) => !known.has(id));
		if (unknown.length > 0)
			throw new Refused(`no update ${unknown.join(', ')} in the log of ${name} of ${conferenceId}`);
		if (options.excludeSnapshot && !stored.snapshot) throw new Refused(`${name} of ${conferenceId} has no snapshot`);

		const excluded = new Set(options.exclude);
		const kept: Stored = {
			snapshot: options.excludeSnapshot ? undefined : stored.snapshot,
			rows: stored.rows.filter((row) => !excluded.has(row.id))
		};
		const unreadable = judge(kept).filter((verdict) => verdict.problem);
		if (unreadable.length > 0)
			throw new Refused(
				`${unreadable.map((verdict) => verdict.label).join(', ')} cannot be read: name it to leave it out ` +
					'(--exclude <id>, --exclude-snapshot); nothing is left out unless it is named'
			);
		if (excluded.size === 0 && !options.excludeSnapshot)
			throw new Refused(`every stored part of ${name} of ${conferenceId} can be read: nothing to repair`);

		const doc = buildStoredDoc(conferenceId, name, kept.snapshot, kept.rows);
		const state = Y.encodeStateAsUpdate(doc);
		verifySnapshot(doc, state);
		doc.destroy();

		const setAside = [
			...(options.excludeSnapshot && stored.snapshot
				? [
						{
							source: 'snapshot' as const,
							id: stored.snapshot.upToUpdateId,
							bytes: stored.snapshot.state,
							storedAt: stored.snapshot.updatedAt
						}
					]
				: []),
			...stored.rows
				.filter((row) => excluded.has(row.id))
				.map((row) => ({ source: 'update' as const, id: row.id, bytes: row.update, storedAt: row.createdAt }))
		];
		if (options.exportTo) {
			const file = {
				conferenceId,
				documentName: name,
				exportedAt: new Date().toISOString(),
				parts: setAside.map((part) => ({
					source: part.source,
					id: part.id,
					storedAt: part.storedAt.toISOString(),
					bytes: Buffer.from(part.bytes).toString('base64')
				}))
			};
			// Written before anything changes in the database: if this fails, nothing happens.
			writeFileSync(options.exportTo, JSON.stringify(file, null, '\t'), { flag: 'wx', mode: 0o600 });
		}
		if (!options.delete && setAside.length > 0)
			await tx.insert(schema.docQuarantine).values(
				setAside.map((part) => ({
					conferenceId,
					documentName: name,
					source: part.source,
					sourceId: part.id,
					bytes: part.bytes,
					storedAt: part.storedAt,
					reason: 'left out of a repaired snapshot: cannot be read'
				}))
			);

		const upToUpdateId = Math.max(stored.snapshot?.upToUpdateId ?? 0, ...stored.rows.map((row) => row.id));
		await tx
			.insert(schema.docSnapshots)
			.values({ conferenceId, documentName: name, state, upToUpdateId })
			.onConflictDoUpdate({
				target: [schema.docSnapshots.conferenceId, schema.docSnapshots.documentName],
				set: { state, upToUpdateId, updatedAt: new Date() }
			});
		if (stored.rows.length > 0)
			await tx.delete(schema.docUpdates).where(
				inArray(
					schema.docUpdates.id,
					stored.rows.map((row) => row.id)
				)
			);
		const where = options.delete
			? 'deleted (--delete)'
			: `moved to doc_quarantine${options.exportTo ? ` and written to ${options.exportTo}` : ''}`;
		return (
			`${name} of conference ${conferenceId}: wrote a snapshot of ${kept.rows.length} update(s)` +
			`${kept.snapshot ? ' and the previous snapshot' : ''} (${state.length} bytes, read back and checked); ` +
			`left out: ${setAside.map((part) => (part.source === 'snapshot' ? 'the snapshot' : `update ${part.id}`)).join(', ')}, ${where}`
		);
	});
	console.log(message);
	return 0;
}

main(process.argv.slice(2))
	.then(async (code) => {
		await closeDatabase();
		process.exit(code);
	})
	.catch(async (error: unknown) => {
		if (error instanceof Refused || error instanceof DataDirInUseError) console.error(error.message);
		else console.error(error);
		await closeDatabase().catch(() => {});
		process.exit(1);
	});
