import { hash, verify } from '@node-rs/argon2';
import type { ErrorCode } from '$lib/i18n';

// OWASP's recommended argon2id parameters (19 MiB, 2 iterations, 1 lane).
const OPTIONS = { memoryCost: 19456, timeCost: 2, outputLen: 32, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
	return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
	try {
		return await verify(passwordHash, password);
	} catch {
		return false;
	}
}

export function passwordProblem(password: string): ErrorCode | null {
	if (password.length < 10) return 'password_too_short';
	if (password.length > 256) return 'password_too_long';
	return null;
}
