import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { addAgreement, agreementTexts } from '../support/edits';
import { pgliteTemplate, REPO_ROOT, startKring, type KringServer } from '../support/server';
import { conferenceWithFamily, createCoordinator } from '../support/steps';
import { liveDocs, waitUntil } from '../support/yjs-client';

const dataDir = mkdtempSync(join(tmpdir(), 'kring-backup-'));
const backupFile = join(dataDir, '..', `${dataDir.split('/').pop()}-backup.tar.gz`);
const docs = liveDocs();
// A migrated, empty store to start from, as every test server gets one.
cpSync(await pgliteTemplate(), join(dataDir, 'pglite'), { recursive: true });
let server: KringServer | null = null;
afterAll(async () => {
	docs.closeAll();
	await server?.stop();
	rmSync(dataDir, { recursive: true, force: true });
	rmSync(backupFile, { force: true });
});

function npmRun(script: 'backup' | 'restore', args: string[]): Promise<{ code: number; output: string }> {
	return new Promise((resolve, reject) => {
		const env: NodeJS.ProcessEnv = { ...process.env, KRING_DATA_DIR: dataDir };
		delete env.DATABASE_URL;
		const child = spawn('npm', ['run', '--silent', script, '--', ...args], {
			cwd: REPO_ROOT,
			env,
			stdio: ['ignore', 'pipe', 'pipe']
		});
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.once('error', reject);
		child.once('exit', (code) => resolve({ code: code ?? -1, output }));
	});
}

it('the coordinator backs up the stopped store and restores it later; neither runs while Kring does', async () => {
	server = await startKring({ dataDir, database: 'pglite' });
	const coordinator = await createCoordinator(server);
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Moeder Sara']);
	const [sara] = family;
	const write = async (text: string, expected: number) => {
		const plan = docs.open(sara.client, conferenceId, 'plan');
		await plan.synced;
		addAgreement(plan.doc, text, { theme: 'upbringing' });
		const witness = docs.open(sara.client, conferenceId, 'plan');
		await waitUntil(() => agreementTexts(witness.doc).length === expected, 'the agreement is stored', {
			docs: [witness.doc]
		});
		plan.destroy();
		witness.destroy();
	};
	await write('Sara brengt Noor elke ochtend naar school', 1);

	// While Kring runs, the backup refuses and names it.
	const whileRunning = await npmRun('backup', ['--out', backupFile]);
	expect(whileRunning.code).toBe(1);
	expect(whileRunning.output).toContain(`in use by process ${server.pid}`);
	expect(existsSync(backupFile)).toBe(false);

	await server.stop();
	const made = await npmRun('backup', ['--out', backupFile]);
	expect(made.code, made.output).toBe(0);
	expect(made.output).toMatch(/backup written to .*: 1 conference\(s\), 1 stored document\(s\)/);

	// Work goes on after the backup…
	await server.restart();
	await write('Sara belt de mentor op vrijdag', 2);
	const restoreWhileRunning = await npmRun('restore', [backupFile]);
	expect(restoreWhileRunning.code).toBe(1);
	expect(restoreWhileRunning.output).toContain(`in use by process ${server.pid}`);

	// …and the restore brings back the store as it was at the backup; the replaced one is kept.
	await server.stop();
	const restored = await npmRun('restore', [backupFile]);
	expect(restored.code, restored.output).toBe(0);
	expect(readdirSync(dataDir).filter((name) => name.startsWith('pglite.before-restore-'))).toHaveLength(1);

	await server.restart();
	const plan = docs.open(sara.client, conferenceId, 'plan');
	await plan.synced;
	expect(agreementTexts(plan.doc)).toEqual(['Sara brengt Noor elke ochtend naar school']);
	// Four starts of Kring and four runs of the tools, each opening the embedded database.
}, 240_000);
