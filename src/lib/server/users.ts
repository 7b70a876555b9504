import { count, eq } from 'drizzle-orm';
import type { StaffRole } from '$lib/conference/phases';
import { getDb, schema } from './db';
import { generateId, generateToken, hashToken } from './ids';
import { hashPassword, verifyPassword } from './passwords';

export type { StaffRole };

export async function countUsers(): Promise<number> {
	const db = await getDb();
	const [row] = await db.select({ n: count() }).from(schema.users);
	return row?.n ?? 0;
}

export async function createUser(input: { email: string; name: string; role: StaffRole; password: string }) {
	const db = await getDb();
	const id = generateId();
	const passwordHash = await hashPassword(input.password);
	await db
		.insert(schema.users)
		.values({ id, email: normalizeEmail(input.email), name: input.name.trim(), role: input.role, passwordHash });
	return { id, email: normalizeEmail(input.email), name: input.name.trim(), role: input.role };
}

export async function getUserByEmail(email: string) {
	const db = await getDb();
	const [user] = await db
		.select()
		.from(schema.users)
		.where(eq(schema.users.email, normalizeEmail(email)))
		.limit(1);
	return user ?? null;
}

/** Checks email and password; spends the same time on an unknown email so accounts cannot be probed. */
export async function authenticateUser(email: string, password: string) {
	const user = await getUserByEmail(email);
	if (!user?.passwordHash) {
		await hashPassword(password);
		return null;
	}
	return (await verifyPassword(user.passwordHash, password)) ? user : null;
}

export function normalizeEmail(email: string): string {
	return email.trim().toLowerCase();
}

export function isEmail(value: string): boolean {
	return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value.trim()) && value.length <= 254;
}

/**
 * On an empty database, makes a one-time link for the first coordinator account and returns
 * its path, so the operator can open it; returns null once any account exists.
 */
export async function prepareFirstAccountLink(): Promise<string | null> {
	if ((await countUsers()) > 0) return null;
	const db = await getDb();
	const token = generateToken();
	await db.delete(schema.setupTokens);
	await db
		.insert(schema.setupTokens)
		.values({ tokenHash: hashToken(token), expiresAt: new Date(Date.now() + 24 * 3600_000) });
	return `/setup/${token}`;
}

export async function isValidSetupToken(token: string): Promise<boolean> {
	if ((await countUsers()) > 0) return false;
	const db = await getDb();
	const [row] = await db
		.select()
		.from(schema.setupTokens)
		.where(eq(schema.setupTokens.tokenHash, hashToken(token)))
		.limit(1);
	return !!row && row.expiresAt.getTime() > Date.now();
}

export async function consumeSetupToken(token: string): Promise<boolean> {
	const db = await getDb();
	const deleted = await db
		.delete(schema.setupTokens)
		.where(eq(schema.setupTokens.tokenHash, hashToken(token)))
		.returning({ expiresAt: schema.setupTokens.expiresAt });
	return deleted.length === 1 && deleted[0].expiresAt.getTime() > Date.now();
}
