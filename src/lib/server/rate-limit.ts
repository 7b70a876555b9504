import { createHash } from 'node:crypto';
import { describeError, KringError } from './errors';
import { config } from './config';

/**
 * Guessing limits. Only failed attempts count (a wrong room code, a link Kring does not know, a
 * wrong password), in a fixed window from the first failure, so forty phones behind one router
 * all join with the right code while a guesser from that address is stopped. With REDIS_URL the
 * counts live in Redis and every instance sees them; otherwise in this process.
 */
export type Limit = { name: string; failures: number; windowMs: number };

/** The error texts (`error.too_many_attempts`, `error.account_locked`) name these windows. */
export const LIMITS = {
	roomCode: { name: 'room-code', failures: 20, windowMs: 10 * 60_000 },
	familyLink: { name: 'family-link', failures: 20, windowMs: 10 * 60_000 },
	professionalLink: { name: 'professional-link', failures: 20, windowMs: 10 * 60_000 },
	planLink: { name: 'plan-link', failures: 20, windowMs: 10 * 60_000 },
	loginAddress: { name: 'login-address', failures: 20, windowMs: 10 * 60_000 },
	loginAccount: { name: 'login-account', failures: 5, windowMs: 15 * 60_000 }
} as const satisfies Record<string, Limit>;

interface Counter {
	read(key: string): Promise<number>;
	/** Adds one and returns the new count; the first one starts the window. */
	add(key: string, windowMs: number): Promise<number>;
	forget(key: string): Promise<void>;
}

class MemoryCounter implements Counter {
	private windows = new Map<string, { until: number; count: number }>();

	async read(key: string): Promise<number> {
		const current = this.windows.get(key);
		return current && current.until > Date.now() ? current.count : 0;
	}

	async add(key: string, windowMs: number): Promise<number> {
		const now = Date.now();
		const current = this.windows.get(key);
		if (current && current.until > now) return ++current.count;
		this.windows.set(key, { until: now + windowMs, count: 1 });
		if (this.windows.size > 10_000) this.prune(now);
		return 1;
	}

	async forget(key: string): Promise<void> {
		this.windows.delete(key);
	}

	private prune(now: number): void {
		for (const [key, value] of this.windows) if (value.until <= now) this.windows.delete(key);
	}
}

class RedisCounter implements Counter {
	constructor(private redis: import('ioredis').Redis) {}

	async read(key: string): Promise<number> {
		return Number((await this.redis.get(key)) ?? 0);
	}

	async add(key: string, windowMs: number): Promise<number> {
		const replies = await this.redis.multi().set(key, 0, 'PX', windowMs, 'NX').incr(key).exec();
		const [error, count] = replies?.[1] ?? [new Error('the transaction was discarded'), 0];
		if (error) throw error;
		return Number(count);
	}

	async forget(key: string): Promise<void> {
		await this.redis.del(key);
	}

	async close(): Promise<void> {
		await this.redis.quit();
	}
}

const memory = new MemoryCounter();
let shared: Promise<RedisCounter> | null = null;

function redisCounter(url: string): Promise<RedisCounter> {
	shared ??= import('ioredis').then(({ Redis }) => new RedisCounter(new Redis(url, { maxRetriesPerRequest: 1 })));
	return shared;
}

/** When Redis does not answer, this instance still counts on its own rather than let guessing through. */
async function withCounter<T>(use: (counter: Counter) => Promise<T>): Promise<T> {
	const url = config().redisUrl;
	if (!url) return use(memory);
	try {
		return await use(await redisCounter(url));
	} catch (error) {
		console.error('[rate-limit] Redis failed, counting in memory:', describeError(error));
		return use(memory);
	}
}

/** Keys are hashed, so Redis holds no email or IP address in plain text. */
function keyOf(limit: Limit, key: string): string {
	return `${config().redisPrefix}failures:${limit.name}:${createHash('sha256').update(key).digest('base64url')}`;
}

/** Whether `key` has used up its failures of this limit. */
export async function tooManyFailures(limit: Limit, key: string): Promise<boolean> {
	return (await withCounter((c) => c.read(keyOf(limit, key)))) >= limit.failures;
}

export async function countFailure(limit: Limit, key: string): Promise<void> {
	await withCounter((c) => c.add(keyOf(limit, key), limit.windowMs));
}

/**
 * Takes one attempt before it is made, for checks that take long enough to be run many at once
 * (a password): false when the failures, counting attempts still running, are used up. Call
 * `forgetFailures` when the attempt succeeds; a failed one stays counted.
 */
export async function takeAttempt(limit: Limit, key: string): Promise<boolean> {
	return (await withCounter((c) => c.add(keyOf(limit, key), limit.windowMs))) <= limit.failures;
}

export async function forgetFailures(limit: Limit, key: string): Promise<void> {
	await withCounter((c) => c.forget(keyOf(limit, key)));
}

/**
 * Looks up what someone typed (a room code, a link) unless their address has guessed wrong too
 * often; a lookup that finds nothing (a KringError 404) counts as a wrong guess.
 */
export async function limitGuesses<T>(limit: Limit, address: string, lookup: () => Promise<T>): Promise<T> {
	if (await tooManyFailures(limit, address)) throw new KringError('too_many_attempts', 429);
	try {
		return await lookup();
	} catch (error) {
		if (error instanceof KringError && error.status === 404) await countFailure(limit, address);
		throw error;
	}
}

export async function closeRateLimits(): Promise<void> {
	const current = shared;
	shared = null;
	if (current) await (await current).close();
}
