import { fail, type ActionFailure } from '@sveltejs/kit';
import type { ErrorCode } from '$lib/i18n';
import { KringError } from './errors';

export function formText(data: FormData, name: string, maxLength = 4000): string {
	const value = data.get(name);
	return typeof value === 'string' ? value.slice(0, maxLength) : '';
}

/** A form failure the user reads as the message `error.<code>`, with what they typed. */
export function failWithCode<Values extends Record<string, string>>(
	status: number,
	code: ErrorCode,
	values: Values
): ActionFailure<{ error: ErrorCode; values: Values }> {
	return fail(status, { error: code, values });
}

/** Turns an error a user can meet into a form failure with its message key; rethrows the rest. */
export function failWith(
	error: unknown,
	values: Record<string, string> = {}
): ActionFailure<{ error: ErrorCode; values: Record<string, string>; missing?: string[] }> {
	// What a plan still lacks is named to the family, in its language (`ready.<gap>`).
	if (error instanceof KringError && 'missing' in error && Array.isArray(error.missing))
		return fail(error.status, { error: error.code, values, missing: error.missing.map(String) });
	if (error instanceof KringError) return fail(error.status, { error: error.code, values });
	throw error;
}

export function clientAddress(event: { getClientAddress: () => string }): string {
	try {
		return event.getClientAddress();
	} catch {
		return 'unknown';
	}
}
