import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { afterAll, expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { addAgreement, agreementTexts, fieldText, typeInto } from '../support/edits';
import { databaseOf, kringForThisFile, REPO_ROOT } from '../support/server';
import { conferenceWithFamily } from '../support/steps';
import { waitForClose, waitUntil } from '../support/yjs-client';
import { metaText } from '../../src/lib/plan/shape';

// Damaged rows are written straight into the database, so this needs PostgreSQL; compaction after
// every 5 updates, so that a compaction runs while a damaged row is in the log.
const kring = kringForThisFile({ database: 'postgres', env: { KRING_COMPACT_AFTER: '5' } });
const scratch = mkdtempSync(join(tmpdir(), 'kring-repair-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What a damaged disk leaves: a real update of the plan, cut short, with the family's words inside. */
function damagedUpdate(words: string): Uint8Array {
	const doc = new Y.Doc();
	metaText(doc, 'evaluation').insert(0, words);
	const update = Y.encodeStateAsUpdate(doc);
	return update.slice(0, update.length - 2);
}

async function insertDamaged(conferenceId: string, words: string): Promise<{ id: number; bytes: Buffer }> {
	const sql = await databaseOf(kring.server);
	const bytes = Buffer.from(damagedUpdate(words));
	try {
		const [row] = await sql<{ id: string }[]>`
			insert into doc_updates (conference_id, document_name, update)
			values (${conferenceId}, 'plan', ${bytes}) returning id`;
		return { id: Number(row.id), bytes };
	} finally {
		await sql.end({ timeout: 5 });
	}
}

function repairTool(args: string[]): Promise<{ code: number; output: string }> {
	const database = kring.server.database;
	if (database.kind !== 'postgres') throw new Error('postgres only');
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/doc-repair.ts', ...args], {
			cwd: REPO_ROOT,
			env: { ...process.env, DATABASE_URL: database.url },
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.once('error', reject);
		child.once('exit', (code) => resolve({ code: code ?? -1, output }));
	});
}

it('a stored update that cannot be read keeps the plan closed with a clear reason, instead of opening it without that part', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Opa Henk', 'Zus Lotte']);
	const [henk, lotte] = family;
	const henksPlan = docs.open(henk.client, conferenceId, 'plan');
	await henksPlan.synced;
	addAgreement(henksPlan.doc, 'Henk brengt Noor naar voetbal', { theme: 'contact' });
	const witness = docs.open(lotte.client, conferenceId, 'plan');
	await waitUntil(() => agreementTexts(witness.doc).length === 1, 'the agreement is stored and sent on', {
		docs: [witness.doc]
	});
	henksPlan.destroy();
	witness.destroy();

	const { id: damagedId } = await insertDamaged(conferenceId, 'Oma haalt Noor op dinsdag');
	await server.restart();

	const lottesPlan = docs.open(lotte.client, conferenceId, 'plan');
	const closed = await waitForClose(lottesPlan.closed, 'the plan is refused, not opened without the damaged part');
	expect(closed).toMatchObject(CLOSE.unreadable);
	expect(lottesPlan.provider.synced).toBe(false);
	expect(agreementTexts(lottesPlan.doc)).toEqual([]);
	lottesPlan.destroy();

	// The log names the document and the row, and nothing anyone wrote.
	const logs = server.logs();
	expect(logs).toContain(`${conferenceId}/plan`);
	expect(logs).toContain(`stored update ${damagedId}`);
	expect(logs).not.toContain('Oma haalt');
	expect(logs).not.toContain('Henk brengt');

	// Nothing was changed in the database: the damaged row is still there, next to Henk's.
	const sql = await databaseOf(server);
	try {
		const rows = await sql<{ id: string }[]>`select id from doc_updates where conference_id = ${conferenceId}`;
		expect(rows.map((row) => Number(row.id))).toContain(damagedId);
		expect(rows.length).toBeGreaterThan(1);
	} finally {
		await sql.end({ timeout: 5 });
	}
});

it('compaction leaves the snapshot and the log alone while a stored update cannot be read', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Tante Fatma']);
	const [fatma] = family;
	const plan = docs.open(fatma.client, conferenceId, 'plan');
	await plan.synced;
	await typeInto(plan.doc, 'monitor', 'Fatma belt elke week');
	const sql = await databaseOf(server);
	try {
		const snapshotOf = async () =>
			(
				await sql<{ up_to_update_id: string; state: Buffer }[]>`
					select up_to_update_id, state from doc_snapshots where conference_id = ${conferenceId} and document_name = 'plan'`
			)[0];
		// 20 keystrokes: four compactions, after which the whole log is folded into the snapshot. A
		// keystroke still on its way would be folded in by a later compaction: wait for all of them.
		const snapshotHolds = (state: Buffer | undefined, text: string) => {
			if (!state) return false;
			const doc = new Y.Doc();
			Y.applyUpdate(doc, new Uint8Array(state));
			const held = fieldText(doc, 'monitor') === text;
			doc.destroy();
			return held;
		};
		await waitUntil(
			async () =>
				snapshotHolds((await snapshotOf())?.state, 'Fatma belt elke week') &&
				(await sql`select 1 from doc_updates where conference_id = ${conferenceId}`).length === 0,
			'the compactions fold all the typing in'
		);
		const before = await snapshotOf();

		// The room is open: Fatma keeps typing while a damaged row sits in the log.
		const { id: damagedId } = await insertDamaged(conferenceId, 'Het geheim van de familie');
		const failedBefore = server.logs().split(`compaction of ${conferenceId}/plan failed`).length;
		await typeInto(plan.doc, 'monitor', ' en komt langs op zondag.');
		const damagedStillThere = async () => (await sql`select 1 from doc_updates where id = ${damagedId}`).length === 1;
		await waitUntil(
			async () =>
				server.logs().split(`compaction of ${conferenceId}/plan failed`).length > failedBefore ||
				!(await damagedStillThere()),
			'a compaction is tried with the damaged row in the log'
		);
		expect(await damagedStillThere()).toBe(true);
		const after = await snapshotOf();
		expect(Number(after.up_to_update_id)).toBe(Number(before.up_to_update_id));
		expect(Buffer.compare(after.state, before.state)).toBe(0);
		const ids = (await sql<{ id: string }[]>`select id from doc_updates where conference_id = ${conferenceId}`).map(
			(row) => Number(row.id)
		);
		expect(ids).toContain(damagedId);
		expect(ids.filter((id) => id > damagedId).length).toBeGreaterThanOrEqual(5);
		expect(server.logs()).not.toContain('Het geheim');
	} finally {
		await sql.end({ timeout: 5 });
	}
	plan.destroy();
});

it('the repair tool names the row that cannot be read and writes a snapshot without it, keeping the row aside', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Neef Daan']);
	const [daan] = family;
	const plan = docs.open(daan.client, conferenceId, 'plan');
	await plan.synced;
	addAgreement(plan.doc, 'Daan helpt met de verhuizing', { theme: 'housing' });
	await typeInto(plan.doc, 'contingency', 'Dan belt Daan');
	const witness = docs.open(daan.client, conferenceId, 'plan');
	await waitUntil(() => fieldText(witness.doc, 'contingency') === 'Dan belt Daan', 'all of it is stored', {
		docs: [witness.doc]
	});
	plan.destroy();
	witness.destroy();
	const { id: damagedId, bytes: damagedBytes } = await insertDamaged(conferenceId, 'Wat niemand mag lezen');

	const listed = await repairTool(['list', conferenceId, 'plan']);
	expect(listed.code).toBe(2);
	expect(listed.output).toMatch(new RegExp(`update ${damagedId}\\b.*does not decode`));
	expect(listed.output).not.toContain('Wat niemand');
	expect(listed.output.match(/does not decode/g)).toHaveLength(1);

	// A repair must name every row it leaves out.
	const refused = await repairTool(['repair', conferenceId, 'plan']);
	expect(refused.code).toBe(1);
	expect(refused.output).toContain(`update ${damagedId}`);

	const exported = join(scratch, 'quarantined.json');
	const repaired = await repairTool([
		'repair',
		conferenceId,
		'plan',
		'--exclude',
		String(damagedId),
		'--export',
		exported
	]);
	expect(repaired.code, repaired.output).toBe(0);

	const sql = await databaseOf(server);
	try {
		const quarantined = await sql<{ source: string; source_id: string; bytes: Buffer }[]>`
			select source, source_id, bytes from doc_quarantine where conference_id = ${conferenceId}`;
		expect(quarantined).toHaveLength(1);
		expect(quarantined[0]).toMatchObject({ source: 'update', source_id: String(damagedId) });
		expect(Buffer.compare(quarantined[0].bytes, damagedBytes)).toBe(0);
		expect(await sql`select 1 from doc_updates where conference_id = ${conferenceId}`).toHaveLength(0);
	} finally {
		await sql.end({ timeout: 5 });
	}
	const file = JSON.parse(readFileSync(exported, 'utf8')) as { parts: { id: number; bytes: string }[] };
	expect(file.parts.map((part) => part.id)).toEqual([damagedId]);
	expect(Buffer.from(file.parts[0].bytes, 'base64').equals(damagedBytes)).toBe(true);

	// The plan opens again with everything that could be read.
	const reopened = docs.open(daan.client, conferenceId, 'plan');
	await reopened.synced;
	expect(agreementTexts(reopened.doc)).toEqual(['Daan helpt met de verhuizing']);
	expect(fieldText(reopened.doc, 'contingency')).toBe('Dan belt Daan');
});
