import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, VARIABLES, type Env } from './config';

function problemsOf(env: Env): string[] {
	try {
		loadConfig(env);
	} catch (error) {
		if (error instanceof ConfigError) return error.problems;
		throw error;
	}
	return [];
}

describe('loadConfig', () => {
	it('starts with nothing set: embedded database, port 3000, no proxy', () => {
		expect(loadConfig({})).toEqual({
			port: 3000,
			host: '0.0.0.0',
			origin: null,
			protocolHeader: 'x-forwarded-proto',
			databaseUrl: null,
			databasePoolSize: 10,
			redisUrl: null,
			redisPrefix: 'kring:',
			dataDir: resolve('data'),
			migrationsDir: resolve('drizzle'),
			maxMessageBytes: 512 * 1024,
			socketsPerSession: 8,
			socketsPerRoom: 200,
			socketMessagesPerSecond: 100,
			socketBytesPerSecond: 1024 * 1024,
			closeAcceptedAfterMs: 30 * 24 * 3600_000,
			eraseClosedAfterMs: 90 * 24 * 3600_000,
			eraseUnfinishedAfterMs: 365 * 24 * 3600_000,
			housekeepingIntervalMs: 3600_000,
			compactAfter: 500,
			statementTimeoutMs: 30_000,
			commitTimeoutMs: 35_000,
			commitSpacingMs: 5,
			savingPausedAfterMs: 3_000,
			shutdownDrainMs: 30_000,
			leaseMs: 3000,
			pingIntervalMs: 30_000,
			roomGraceMs: 10_000,
			eventLoopProbe: false
		});
	});

	it('takes the values an operator sets', () => {
		expect(
			loadConfig({
				PORT: '8080',
				HOST: '127.0.0.1',
				ORIGIN: 'https://kring.example.org',
				DATABASE_URL: 'postgres://kring:secret@db:5432/kring',
				DATABASE_POOL_SIZE: '25',
				REDIS_URL: 'redis://cache:6379',
				KRING_REDIS_PREFIX: 'kring-staging:',
				KRING_DATA_DIR: '/var/lib/kring',
				KRING_MIGRATIONS: '/opt/kring/drizzle',
				KRING_MAX_MESSAGE_BYTES: '65536',
				KRING_SOCKETS_PER_SESSION: '4',
				KRING_SOCKETS_PER_ROOM: '50',
				KRING_SOCKET_MESSAGE_RATE: '30',
				KRING_SOCKET_BYTE_RATE: '65536',
				KRING_CLOSE_ACCEPTED_AFTER_DAYS: '7',
				KRING_ERASE_CLOSED_AFTER_DAYS: '180',
				KRING_ERASE_UNFINISHED_AFTER_DAYS: '400',
				KRING_HOUSEKEEPING_INTERVAL_MS: '60000',
				KRING_COMPACT_AFTER: '25',
				KRING_STATEMENT_TIMEOUT_MS: '0',
				KRING_COMMIT_TIMEOUT_MS: '10000',
				KRING_COMMIT_SPACING_MS: '0',
				KRING_SAVING_PAUSED_AFTER_MS: '500',
				KRING_SHUTDOWN_DRAIN_MS: '60000',
				KRING_LEASE_MS: '1500',
				KRING_PING_INTERVAL_MS: '10000',
				KRING_ROOM_GRACE_MS: '0',
				KRING_EVENT_LOOP_PROBE: '1'
			})
		).toEqual({
			port: 8080,
			host: '127.0.0.1',
			origin: 'https://kring.example.org',
			protocolHeader: null,
			databaseUrl: 'postgres://kring:secret@db:5432/kring',
			databasePoolSize: 25,
			redisUrl: 'redis://cache:6379',
			redisPrefix: 'kring-staging:',
			dataDir: '/var/lib/kring',
			migrationsDir: '/opt/kring/drizzle',
			maxMessageBytes: 65536,
			socketsPerSession: 4,
			socketsPerRoom: 50,
			socketMessagesPerSecond: 30,
			socketBytesPerSecond: 65536,
			closeAcceptedAfterMs: 7 * 24 * 3600_000,
			eraseClosedAfterMs: 180 * 24 * 3600_000,
			eraseUnfinishedAfterMs: 400 * 24 * 3600_000,
			housekeepingIntervalMs: 60_000,
			compactAfter: 25,
			statementTimeoutMs: 0,
			commitTimeoutMs: 10_000,
			commitSpacingMs: 0,
			savingPausedAfterMs: 500,
			shutdownDrainMs: 60_000,
			leaseMs: 1500,
			pingIntervalMs: 10_000,
			roomGraceMs: 0,
			eventLoopProbe: true
		});
	});

	it('refuses a Redis prefix that is not a plain name, and a lease too short to read the database', () => {
		for (const value of ['kring bus', 'kring*', 'x'.repeat(65)]) {
			expect(problemsOf({ KRING_REDIS_PREFIX: value }), value).toHaveLength(1);
		}
		expect(problemsOf({ KRING_LEASE_MS: '50' })).toEqual([
			"KRING_LEASE_MS must be a whole number of milliseconds between 100 and 600000, got '50'"
		]);
	});

	it('reads an empty variable as unset, as `DATABASE_URL= npm start` means', () => {
		expect(loadConfig({ DATABASE_URL: '', REDIS_URL: ' ', PORT: '' })).toEqual(loadConfig({}));
	});

	it('names the variable, what it must be and what it got', () => {
		expect(problemsOf({ KRING_MAX_MESSAGE_BYTES: 'abc' })).toEqual([
			"KRING_MAX_MESSAGE_BYTES must be a whole number of bytes between 1024 and 67108864, got 'abc'"
		]);
		expect(problemsOf({ PORT: '70000' })).toEqual(["PORT must be a port number between 1 and 65535, got '70000'"]);
	});

	it('refuses numbers that are not whole, negative, or outside their range', () => {
		for (const value of ['1.5', '-1', '1e3', '0x10', '0', '10 MB']) {
			expect(problemsOf({ KRING_COMPACT_AFTER: value }), value).toHaveLength(1);
		}
		expect(problemsOf({ KRING_MAX_MESSAGE_BYTES: '1023' })).toHaveLength(1);
		// setInterval would take a longer delay as 1 ms and run housekeeping without pause.
		expect(problemsOf({ KRING_HOUSEKEEPING_INTERVAL_MS: String(2 ** 31) })).toHaveLength(1);
	});

	it('lists every wrong variable at once', () => {
		const problems = problemsOf({ PORT: 'http', DATABASE_POOL_SIZE: 'many', KRING_CLOSE_ACCEPTED_AFTER_DAYS: 'soon' });
		expect(problems.map((problem) => problem.split(' ')[0])).toEqual([
			'KRING_CLOSE_ACCEPTED_AFTER_DAYS',
			'PORT',
			'DATABASE_POOL_SIZE'
		]);
	});

	it('lets the milliseconds win over the days for closing accepted conferences', () => {
		const env = { KRING_CLOSE_ACCEPTED_AFTER_DAYS: '7', KRING_CLOSE_ACCEPTED_AFTER_MS: '2000' };
		expect(loadConfig(env).closeAcceptedAfterMs).toBe(2000);
	});

	it('erases closed conferences after at most a year, and lets the milliseconds win over the days', () => {
		expect(problemsOf({ KRING_ERASE_CLOSED_AFTER_DAYS: '366' })).toEqual([
			"KRING_ERASE_CLOSED_AFTER_DAYS must be a whole number of days between 1 and 365, got '366'"
		]);
		expect(problemsOf({ KRING_ERASE_CLOSED_AFTER_DAYS: '0' })).toHaveLength(1);
		const env = { KRING_ERASE_CLOSED_AFTER_DAYS: '30', KRING_ERASE_CLOSED_AFTER_MS: '1500' };
		expect(loadConfig(env).eraseClosedAfterMs).toBe(1500);
	});

	describe('ORIGIN', () => {
		it('is one origin, written the way browsers send it', () => {
			expect(loadConfig({ ORIGIN: 'https://kring.example.org/' }).origin).toBe('https://kring.example.org');
			expect(loadConfig({ ORIGIN: 'HTTP://Kring.Local:8080' }).origin).toBe('http://kring.local:8080');
		});

		it('refuses a path, a list or another scheme, which the adapter would misread', () => {
			for (const value of [
				'kring.example.org',
				'https://kring.example.org/app',
				'https://a.example.org,https://b.example.org',
				'ftp://kring.example.org'
			]) {
				expect(problemsOf({ ORIGIN: value }), value).toEqual([
					`ORIGIN must be one origin such as https://kring.example.org (scheme, host and port; no path), got '${value}'`
				]);
			}
		});

		it('decides whether a request without X-Forwarded-Proto is plain http', () => {
			expect(loadConfig({}).protocolHeader).toBe('x-forwarded-proto');
			expect(loadConfig({ ORIGIN: 'https://kring.example.org' }).protocolHeader).toBeNull();
			expect(loadConfig({ ORIGIN: 'https://kring.example.org', PROTOCOL_HEADER: 'X-Scheme' }).protocolHeader).toBe(
				'x-scheme'
			);
			expect(problemsOf({ PROTOCOL_HEADER: 'x forwarded' })).toHaveLength(1);
		});
	});

	it('never repeats a database or Redis URL, which may carry a password', () => {
		const problems = problemsOf({
			DATABASE_URL: 'mysql://kring:hunter2@db/kring',
			REDIS_URL: 'kring:hunter2@cache'
		});
		expect(problems).toEqual([
			"DATABASE_URL must be a postgres:// or postgresql:// URL, got one starting with 'mysql:'",
			"REDIS_URL must be a redis:// or rediss:// URL, got one starting with 'kring:'"
		]);
		expect(problemsOf({ DATABASE_URL: 'hunter2 is not a url' })).toEqual([
			'DATABASE_URL must be a postgres:// or postgresql:// URL, got something that is not a URL'
		]);
	});

	it('reads exactly the variables it documents', () => {
		const read = new Set<string>();
		loadConfig(
			new Proxy({} as Env, {
				get: (_target, name) => {
					read.add(String(name));
					return undefined;
				}
			})
		);
		expect([...read].sort()).toEqual(VARIABLES.map((variable) => variable.name).sort());
	});
});

describe('the README', () => {
	const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
	const rows = readme.split('\n').filter((line) => /^\| `[A-Z_]+` +\|/.test(line));

	it('documents every variable with its default and meaning, as config.ts says', () => {
		for (const { name, fallback, meaning } of VARIABLES) {
			const row = rows.find((line) => line.split('`')[1] === name);
			const cells = row?.split('|').map((cell) => cell.trim());
			expect(cells?.slice(1, 4), name).toEqual([`\`${name}\``, fallback, meaning]);
		}
	});

	it('documents no variable that Kring does not read', () => {
		const documented = rows.map((line) => line.split('`')[1]);
		expect(documented.sort()).toEqual(VARIABLES.map((variable) => variable.name).sort());
	});
});
