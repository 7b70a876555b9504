import type { Locale } from '$lib/i18n';
import type { FrozenPlan } from '$lib/plan/shape';
import { workerPool } from '../workers/pool';

/** A PDF of a few pages takes 150–450 ms of CPU; past this the worker thread is stopped and the request fails. */
const PDF_TIMEOUT_MS = 60_000;

/**
 * The accepted plan as a PDF (`plan-pdf.ts`), made in a worker thread: the event loop keeps serving
 * the live sockets meanwhile (docs/design.md §5.1). Rejects with WorkerTaskError when the thread
 * fails, crashes or takes too long.
 */
export function makePlanPdf(frozen: FrozenPlan, sha256: string, locale: Locale): Promise<Uint8Array<ArrayBuffer>> {
	return workerPool().run('planPdf', { frozen, sha256, locale }, PDF_TIMEOUT_MS);
}
