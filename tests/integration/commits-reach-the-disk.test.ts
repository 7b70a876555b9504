import fs, { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';

// The embedded database of this test file, opened the way Kring opens it.
const dataDir = mkdtempSync(join(tmpdir(), 'kring-fsync-'));
process.env.KRING_DATA_DIR = dataDir;
delete process.env.DATABASE_URL;
const { closeDatabase, connectDatabase, schema } = await import('../../src/lib/server/db');
afterAll(async () => {
	await closeDatabase();
	rmSync(dataDir, { recursive: true, force: true });
});

it('a commit on the embedded database is flushed to the disk (fsync) before it is reported done; a read is not', async () => {
	const { db, kind } = await connectDatabase();
	expect(kind).toBe('pglite');
	const fsync = vi.spyOn(fs, 'fsyncSync');
	try {
		fsync.mockClear();
		await db.select().from(schema.setupTokens);
		expect(fsync).not.toHaveBeenCalled();

		await db.insert(schema.setupTokens).values({ tokenHash: 'a-commit', expiresAt: new Date(Date.now() + 60_000) });
		// The write-ahead log is flushed with a real fsync(2) on the file PostgreSQL wrote it to.
		expect(fsync.mock.calls.length).toBeGreaterThanOrEqual(1);
		for (const [fd] of fsync.mock.calls) expect(typeof fd).toBe('number');
	} finally {
		fsync.mockRestore();
	}
});
