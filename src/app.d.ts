import type { Identity } from '$lib/server/sessions';
import type { Locale } from '$lib/i18n';

declare global {
	namespace App {
		interface Locals {
			identity: Identity | null;
			locale: Locale;
		}
		interface Error {
			message: string;
			code?: string;
		}
	}
}

export {};
