import fs, { mkdirSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';

// Apart from db/index.ts: the embedded database's own thread (pglite-thread.ts) imports this alone.

const SHARED_BUFFERS = '16MB';

/**
 * PGlite on a folder, with every commit on the disk before it is reported done. PGlite starts
 * PostgreSQL with fsync off (`-F`), and its Node filesystem (Emscripten's NODEFS) has no fsync at
 * all: PostgreSQL's fsync calls do nothing. So: fsync on, WAL flushed with fsync() (fdatasync() is a
 * no-op there too), and NODEFS's missing fsync filled in with Node's, which is the real system call.
 * Call with the folder locked (lockDataDir).
 */
export async function createDurablePglite(dataDir: string, options: { loadDataDir?: Blob } = {}): Promise<PGlite> {
	const { PGlite } = await import('@electric-sql/pglite');
	const { NodeFS } = await import('@electric-sql/pglite/nodefs');
	mkdirSync(dataDir, { recursive: true });
	class DurableNodeFS extends NodeFS {
		override async init(pg: PGlite, emscriptenOptions: Parameters<InstanceType<typeof NodeFS>['init']>[1]) {
			const result = await super.init(pg, emscriptenOptions);
			const preRun = result.emscriptenOpts.preRun ?? [];
			result.emscriptenOpts.preRun = [...(Array.isArray(preRun) ? preRun : [preRun]), fillInFsync];
			return result;
		}
	}
	const startParams = [
		...PGlite.defaultStartParams.filter((param) => param !== '-F'),
		...['-c', 'fsync=on', '-c', 'synchronous_commit=on', '-c', 'wal_sync_method=fsync', '-c', 'full_page_writes=on'],
		// PGlite touches all of its buffer pool at start: PostgreSQL's default 128 MB was 150 MB of the
		// process's resident memory before any room. Kring's working set is small; the OS caches the rest.
		...['-c', `shared_buffers=${SHARED_BUFFERS}`]
	];
	const client = new PGlite({
		fs: new DurableNodeFS(dataDir),
		relaxedDurability: false,
		startParams,
		loadDataDir: options.loadDataDir
	});
	await client.waitReady;
	return client;
}

type NodeFsModule = {
	NODEFS: {
		stream_ops: { fsync?: (stream: { nfd?: number }) => number };
		tryFSOperation: <T>(operation: () => T) => T;
	};
};

function fillInFsync(module: unknown): void {
	const { NODEFS } = module as NodeFsModule;
	NODEFS.stream_ops.fsync = (stream) => {
		// tryFSOperation turns a failed fsync into an error PostgreSQL sees (and stops on), as with real files.
		if (typeof stream.nfd === 'number') NODEFS.tryFSOperation(() => fs.fsyncSync(stream.nfd as number));
		return 0;
	};
}
