/**
 * An error a user can meet. `code` is a key into the messages, so the page shows it in the
 * user's language; nothing of a family's content goes in here.
 */
export class KringError extends Error {
	constructor(
		readonly code: string,
		readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 413 | 429 = 400
	) {
		super(code);
		this.name = 'KringError';
	}
}
