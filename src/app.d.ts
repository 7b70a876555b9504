import type { Identity } from '$lib/server/sessions';
import type { ErrorCode, Locale } from '$lib/i18n';

declare global {
	namespace App {
		interface Locals {
			identity: Identity | null;
			/** The conference this device was removed from, or not let into. */
			removedFrom: string | null;
			locale: Locale;
		}
		interface Error {
			message: string;
			code?: ErrorCode;
		}
	}
}

export {};
