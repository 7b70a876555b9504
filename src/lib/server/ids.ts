import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';

/** A random, unguessable token: 160 bits, safe in URLs and cookies. */
export function generateToken(): string {
	const bytes = new Uint8Array(20);
	crypto.getRandomValues(bytes);
	return encodeBase32LowerCaseNoPadding(bytes);
}

/** Tokens are stored only as their SHA-256, so a database leak hands out no working link. */
export function hashToken(token: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

export function generateId(): string {
	const bytes = new Uint8Array(12);
	crypto.getRandomValues(bytes);
	return encodeBase32LowerCaseNoPadding(bytes);
}

/** Letters and digits that cannot be mistaken for each other when read aloud or typed on a phone. */
const ROOM_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export function generateRoomCode(): string {
	const bytes = new Uint8Array(8);
	crypto.getRandomValues(bytes);
	let code = '';
	for (const byte of bytes) code += ROOM_CODE_ALPHABET[byte % ROOM_CODE_ALPHABET.length];
	return code;
}

export function normalizeRoomCode(input: string): string {
	return input.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

export function formatRoomCode(code: string): string {
	return `${code.slice(0, 4)}-${code.slice(4)}`;
}
