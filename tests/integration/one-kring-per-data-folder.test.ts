import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { addAgreement, agreementTexts } from '../support/edits';
import { pgliteTemplate, startKring, type KringServer } from '../support/server';
import { conferenceWithFamily, createCoordinator } from '../support/steps';
import { liveDocs, waitUntil } from '../support/yjs-client';

const dataDir = mkdtempSync(join(tmpdir(), 'kring-one-folder-'));
const docs = liveDocs();
// A migrated, empty store to start from, as every test server gets one.
cpSync(await pgliteTemplate(), join(dataDir, 'pglite'), { recursive: true });
const servers: KringServer[] = [];
afterAll(async () => {
	docs.closeAll();
	for (const server of servers) await server.stop();
	rmSync(dataDir, { recursive: true, force: true });
});

it('a second Kring on the same data folder refuses to start, naming the first, and the folder stays usable after the first dies', async () => {
	const first = await startKring({ dataDir, database: 'pglite' });
	servers.push(first);
	const coordinator = await createCoordinator(first);
	const { conferenceId, family } = await conferenceWithFamily(first, coordinator.client, ['Oom Kees']);
	const plan = docs.open(family[0].client, conferenceId, 'plan');
	await plan.synced;
	addAgreement(plan.doc, 'Kees repareert de fiets van Noor', { theme: 'contact' });
	const witness = docs.open(family[0].client, conferenceId, 'plan');
	await waitUntil(() => agreementTexts(witness.doc).length === 1, 'the agreement is stored', { docs: [witness.doc] });
	plan.destroy();
	witness.destroy();

	// On another port, so only the folder is shared.
	const second = startKring({ dataDir, database: 'pglite' });
	await expect(second).rejects.toThrow(`is in use by process ${first.pid}`);
	const output = ((await second.catch((error: Error) => error)) as Error).message;
	expect(output).toContain(join(dataDir));
	// It stopped before opening anything: no database, no port.
	expect(output).not.toMatch(/\[kring\] ready on|listening on/);

	// The first dies without cleaning up; the next start takes its lock over and finds everything.
	await first.kill();
	const third = await startKring({ dataDir, database: 'pglite' });
	servers.push(third);
	expect(third.setupPath).toBeNull();
	const reopened = docs.open(family[0].client.on(third), conferenceId, 'plan');
	await reopened.synced;
	expect(agreementTexts(reopened.doc)).toEqual(['Kees repareert de fiets van Noor']);
});
