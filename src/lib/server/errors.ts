import type { ErrorCode } from '$lib/i18n';

/**
 * An error a user can meet. Its code names a message (`error.<code>` in the Dutch catalogue, so a
 * code without a text fails the type check): the page shows it in the user's language; nothing
 * of a family's content goes in here.
 */
export class KringError extends Error {
	constructor(
		readonly code: ErrorCode,
		readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 413 | 429 = 400
	) {
		super(code);
		this.name = 'KringError';
	}
}

/**
 * An error's text for the log, without a family's content: a failed query's message carries its
 * parameters (the Yjs bytes of a plan, a frozen plan's text), so only the driver's own cause is kept.
 */
export function describeError(error: unknown): string {
	if (!(error instanceof Error)) return String(error);
	const cause = (error as { cause?: unknown }).cause;
	if (error.message.startsWith('Failed query')) {
		return `database query failed: ${cause instanceof Error ? cause.message : 'unknown cause'}`;
	}
	return error.message;
}

export function describeErrorWithStack(error: unknown): string {
	if (!(error instanceof Error)) return String(error);
	const stack = (error.stack ?? '').split('\n').slice(1).join('\n');
	return `${error.name}: ${describeError(error)}\n${stack}`;
}
