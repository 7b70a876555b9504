import { resolve } from 'node:path';

/**
 * Every environment variable Kring reads, checked once when the process starts. A wrong value
 * stops Kring with a message that names the variable, instead of a server that half works.
 * Imports nothing from SvelteKit: the production entry (server/index.ts) reads it too.
 */
export type Config = {
	port: number;
	host: string;
	/** The one public origin (scheme, host, port), or null: then judged by the Host asked for. */
	origin: string | null;
	/** Header from which SvelteKit's node adapter learns http or https; null: it trusts ORIGIN. */
	protocolHeader: string | null;
	/** PostgreSQL; null: the embedded PGlite under `dataDir`. */
	databaseUrl: string | null;
	databasePoolSize: number;
	/** Redis for fan-out between instances; null: one instance, in-process fan-out. */
	redisUrl: string | null;
	/** Starts every Redis key and channel of this deployment, so several can share one Redis. */
	redisPrefix: string;
	/** Absolute path. */
	dataDir: string;
	/** Absolute path. */
	migrationsDir: string;
	maxMessageBytes: number;
	socketsPerSession: number;
	socketsPerRoom: number;
	socketMessagesPerSecond: number;
	socketBytesPerSecond: number;
	closeAcceptedAfterMs: number;
	/** How long after closing everything about a conference is kept, unless its coordinator set another time. */
	eraseClosedAfterMs: number;
	eraseUnfinishedAfterMs: number;
	housekeepingIntervalMs: number;
	compactAfter: number;
	/** PostgreSQL cancels a statement that runs longer; 0: never. */
	statementTimeoutMs: number;
	/** A commit of live edits that takes longer is given up and tried again; 0: never. */
	commitTimeoutMs: number;
	/** A commit of live edits starts at least this long after the one before started; 0: at once. */
	commitSpacingMs: number;
	/** How long storing may stall before the boards say "saving is paused". */
	savingPausedAfterMs: number;
	/** How long a stopping server waits for the edits it received to be stored. */
	shutdownDrainMs: number;
	/** Measure the event loop's delay and print the longest block when stopping (for tests). */
	eventLoopProbe: boolean;
	/** How long an open socket's right holds before it is read again from the database. */
	leaseMs: number;
	/** How often every live socket is pinged; one that did not answer the previous ping is cut off. */
	pingIntervalMs: number;
	/** How long a document stays loaded after its last live connection left. */
	roomGraceMs: number;
};

export type Env = Record<string, string | undefined>;

/**
 * What the README's configuration table shows, row by row (config.spec.ts holds it to this):
 * name, default, meaning. `loadConfig` reads exactly these names.
 */
export const VARIABLES = [
	{ name: 'PORT', fallback: '3000', meaning: 'Port for the pages and the live connections.' },
	{ name: 'HOST', fallback: '0.0.0.0', meaning: 'Address to listen on.' },
	{
		name: 'ORIGIN',
		fallback: 'none',
		meaning:
			'Public address behind a TLS proxy, e.g. `https://kring.example.org`: the only origin allowed to post forms and open live connections; session cookies are then `Secure`.'
	},
	{
		name: 'PROTOCOL_HEADER',
		fallback: '`x-forwarded-proto` without ORIGIN',
		meaning: 'Header in which a proxy says http or https; without ORIGIN a request without it is plain http.'
	},
	{
		name: 'DATABASE_URL',
		fallback: 'none',
		meaning: 'PostgreSQL (`postgres://…`) instead of the embedded database. Migrations run at start.'
	},
	{ name: 'DATABASE_POOL_SIZE', fallback: '10', meaning: 'Connections to PostgreSQL per instance.' },
	{
		name: 'REDIS_URL',
		fallback: 'none',
		meaning:
			'Redis (`redis://…`): several instances behind one load balancer share live edits, presence and phase changes; a phase change on one instance closes the sockets on all of them.'
	},
	{
		name: 'KRING_REDIS_PREFIX',
		fallback: '`kring:`',
		meaning: 'Start of every Redis key and channel Kring uses, so that several deployments can share one Redis.'
	},
	{ name: 'KRING_DATA_DIR', fallback: '`./data`', meaning: 'Folder of the embedded database (without DATABASE_URL).' },
	{ name: 'KRING_MIGRATIONS', fallback: '`./drizzle`', meaning: 'Folder of the database migrations.' },
	{
		name: 'KRING_MAX_MESSAGE_BYTES',
		fallback: '524288 (512 KiB)',
		meaning:
			'Largest live message accepted; a larger one closes its socket. A plan with its history fits in a few hundred KB, and so does an hour of offline typing.'
	},
	{
		name: 'KRING_SOCKETS_PER_SESSION',
		fallback: '8',
		meaning: 'Live connections one browser session holds at once; one more closes its oldest.'
	},
	{
		name: 'KRING_SOCKETS_PER_ROOM',
		fallback: '200',
		meaning: 'Live connections on one document of one conference, per instance; one more is refused (HTTP 503).'
	},
	{
		name: 'KRING_SOCKET_MESSAGE_RATE',
		fallback: '100',
		meaning:
			'Messages per second one live connection is read at, after a burst of one second’s worth; faster senders wait.'
	},
	{
		name: 'KRING_SOCKET_BYTE_RATE',
		fallback: '1048576 (1 MiB)',
		meaning:
			'Bytes per second one live connection is read at, after a burst of one largest message; faster senders wait.'
	},
	{
		name: 'KRING_CLOSE_ACCEPTED_AFTER_DAYS',
		fallback: '30',
		meaning: 'Days after which an accepted conference closes by itself and the coordinator’s access ends.'
	},
	{
		name: 'KRING_CLOSE_ACCEPTED_AFTER_MS',
		fallback: 'none',
		meaning: 'The same in milliseconds; wins over the days (for tests).'
	},
	{
		name: 'KRING_ERASE_CLOSED_AFTER_DAYS',
		fallback: '90',
		meaning:
			'Days after closing after which everything Kring holds about a conference is erased, the plan included; the coordinator may set another number (1 to 365) for one conference.'
	},
	{
		name: 'KRING_ERASE_CLOSED_AFTER_MS',
		fallback: 'none',
		meaning: 'The same in milliseconds; wins over the days (for tests).'
	},
	{
		name: 'KRING_ERASE_UNFINISHED_AFTER_DAYS',
		fallback: '365',
		meaning:
			'Days without any sign of life (an edit, a join, a phase change) after which a conference that was never accepted is erased as abandoned.'
	},
	{
		name: 'KRING_ERASE_UNFINISHED_AFTER_MS',
		fallback: 'none',
		meaning: 'The same in milliseconds; wins over the days (for tests).'
	},
	{
		name: 'KRING_HOUSEKEEPING_INTERVAL_MS',
		fallback: '3600000 (1 hour)',
		meaning:
			'How often expired sessions are deleted, long-accepted conferences closed and conferences past their retention erased.'
	},
	{
		name: 'KRING_COMMIT_SPACING_MS',
		fallback: '5',
		meaning:
			'A commit of live edits starts at least this long after the one before it started; the edits that arrive meanwhile share it (0: at once).'
	},
	{
		name: 'KRING_COMPACT_AFTER',
		fallback: '500',
		meaning: 'Stored updates of one document after which they are folded into one snapshot.'
	},
	{
		name: 'KRING_STATEMENT_TIMEOUT_MS',
		fallback: '30000',
		meaning:
			'PostgreSQL cancels a statement that runs longer, and a transaction left open twice as long (0: never). Only with DATABASE_URL.'
	},
	{
		name: 'KRING_COMMIT_TIMEOUT_MS',
		fallback: '35000',
		meaning: 'A commit of live edits that takes longer is given up and tried again (0: never).'
	},
	{
		name: 'KRING_SAVING_PAUSED_AFTER_MS',
		fallback: '3000',
		meaning: 'How long storing live edits may stall before the boards say “saving is paused”.'
	},
	{
		name: 'KRING_SHUTDOWN_DRAIN_MS',
		fallback: '30000',
		meaning: 'How long a stopping server (SIGTERM) waits for the edits it received to be stored.'
	},
	{
		name: 'KRING_LEASE_MS',
		fallback: '3000 (3 seconds)',
		meaning:
			'How long an open live connection keeps its right before it is read again from the database: the longest a lost message between instances can leave a socket open that a phase change, removal or sign-out closed.'
	},
	{
		name: 'KRING_PING_INTERVAL_MS',
		fallback: '30000 (30 seconds)',
		meaning:
			'How often the server pings every live connection; one that did not answer the previous ping (a phone gone from the Wi-Fi without closing) is cut off, and its place and presence freed.'
	},
	{
		name: 'KRING_ROOM_GRACE_MS',
		fallback: '10000 (10 seconds)',
		meaning:
			'How long a document stays loaded after its last live connection left, so that a phone that reconnects (a Wi-Fi hiccup, a reload) does not wait for it to be read again; 0: unloaded at once.'
	},
	{
		name: 'KRING_EVENT_LOOP_PROBE',
		fallback: '0',
		meaning:
			'1: measure how long the event loop is blocked while serving, and print the longest block when stopping; SIGUSR2 prints it and starts counting afresh (for tests).'
	}
] as const;

export type VariableName = (typeof VARIABLES)[number]['name'];

export class ConfigError extends Error {
	constructor(readonly problems: string[]) {
		super(`cannot start with this environment:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
		this.name = 'ConfigError';
	}
}

export const DAY_MS = 24 * 3600_000;
/** Kring is not an archive: a year after closing, whoever needs the plan has downloaded it. */
export const MAX_RETENTION_DAYS = 365;
const KIB = 1024;
const MIB = 1024 * KIB;
/** setInterval treats a longer delay as 1 ms. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;
const MS = 'a whole number of milliseconds';

/**
 * Reads and checks the configuration from `env`. Pure apart from resolving relative paths
 * against the working directory; throws a ConfigError listing every wrong variable at once.
 */
export function loadConfig(env: Env = process.env): Config {
	const problems: string[] = [];
	const read = reader(env, problems);

	const origin = read.origin('ORIGIN');
	const protocolHeader = read.headerName('PROTOCOL_HEADER') ?? (origin ? null : 'x-forwarded-proto');
	const closeAfterDays = read.wholeNumber('KRING_CLOSE_ACCEPTED_AFTER_DAYS', 30, 1, 3650, 'a whole number of days');
	const closeAfterMs = read.wholeNumber(
		'KRING_CLOSE_ACCEPTED_AFTER_MS',
		null,
		1,
		3650 * DAY_MS,
		'a whole number of milliseconds'
	);
	const eraseAfterDays = read.wholeNumber(
		'KRING_ERASE_CLOSED_AFTER_DAYS',
		90,
		1,
		MAX_RETENTION_DAYS,
		'a whole number of days'
	);
	const eraseAfterMs = read.wholeNumber(
		'KRING_ERASE_CLOSED_AFTER_MS',
		null,
		1,
		MAX_RETENTION_DAYS * DAY_MS,
		'a whole number of milliseconds'
	);
	const unfinishedAfterDays = read.wholeNumber(
		'KRING_ERASE_UNFINISHED_AFTER_DAYS',
		365,
		1,
		3650,
		'a whole number of days'
	);
	const unfinishedAfterMs = read.wholeNumber(
		'KRING_ERASE_UNFINISHED_AFTER_MS',
		null,
		1,
		3650 * DAY_MS,
		'a whole number of milliseconds'
	);

	const config: Config = {
		port: read.wholeNumber('PORT', 3000, 1, 65535, 'a port number'),
		host: read.text('HOST') ?? '0.0.0.0',
		origin,
		protocolHeader,
		databaseUrl: read.url('DATABASE_URL', ['postgres:', 'postgresql:']),
		databasePoolSize: read.wholeNumber('DATABASE_POOL_SIZE', 10, 1, 1000, 'a whole number of connections'),
		redisUrl: read.url('REDIS_URL', ['redis:', 'rediss:']),
		redisPrefix: read.redisPrefix('KRING_REDIS_PREFIX') ?? 'kring:',
		dataDir: resolve(read.text('KRING_DATA_DIR') ?? 'data'),
		migrationsDir: resolve(read.text('KRING_MIGRATIONS') ?? 'drizzle'),
		maxMessageBytes: read.wholeNumber('KRING_MAX_MESSAGE_BYTES', 512 * KIB, 1024, 64 * MIB, 'a whole number of bytes'),
		socketsPerSession: read.wholeNumber('KRING_SOCKETS_PER_SESSION', 8, 1, 1000, 'a whole number of connections'),
		socketsPerRoom: read.wholeNumber('KRING_SOCKETS_PER_ROOM', 200, 1, 100_000, 'a whole number of connections'),
		socketMessagesPerSecond: read.wholeNumber(
			'KRING_SOCKET_MESSAGE_RATE',
			100,
			1,
			1_000_000,
			'a whole number of messages'
		),
		socketBytesPerSecond: read.wholeNumber('KRING_SOCKET_BYTE_RATE', MIB, 1024, 1024 * MIB, 'a whole number of bytes'),
		closeAcceptedAfterMs: closeAfterMs ?? closeAfterDays * DAY_MS,
		eraseClosedAfterMs: eraseAfterMs ?? eraseAfterDays * DAY_MS,
		eraseUnfinishedAfterMs: unfinishedAfterMs ?? unfinishedAfterDays * DAY_MS,
		housekeepingIntervalMs: read.wholeNumber(
			'KRING_HOUSEKEEPING_INTERVAL_MS',
			3600_000,
			100,
			LONGEST_TIMER_MS,
			'a whole number of milliseconds'
		),
		compactAfter: read.wholeNumber('KRING_COMPACT_AFTER', 500, 1, 1_000_000_000, 'a whole number of updates'),
		statementTimeoutMs: read.wholeNumber('KRING_STATEMENT_TIMEOUT_MS', 30_000, 0, LONGEST_TIMER_MS, MS),
		commitTimeoutMs: read.wholeNumber('KRING_COMMIT_TIMEOUT_MS', 35_000, 0, LONGEST_TIMER_MS, MS),
		commitSpacingMs: read.wholeNumber('KRING_COMMIT_SPACING_MS', 5, 0, 1_000, MS),
		savingPausedAfterMs: read.wholeNumber('KRING_SAVING_PAUSED_AFTER_MS', 3_000, 0, LONGEST_TIMER_MS, MS),
		shutdownDrainMs: read.wholeNumber('KRING_SHUTDOWN_DRAIN_MS', 30_000, 0, LONGEST_TIMER_MS, MS),
		leaseMs: read.wholeNumber('KRING_LEASE_MS', 3000, 100, 600_000, MS),
		pingIntervalMs: read.wholeNumber('KRING_PING_INTERVAL_MS', 30_000, 100, 600_000, MS),
		roomGraceMs: read.wholeNumber('KRING_ROOM_GRACE_MS', 10_000, 0, 600_000, MS),
		eventLoopProbe: read.wholeNumber('KRING_EVENT_LOOP_PROBE', 0, 0, 1, '0 or 1') === 1
	};
	if (problems.length > 0) throw new ConfigError(problems);
	return Object.freeze(config);
}

let current: Config | undefined;

/** This process's configuration, read from its environment on first use. */
export function config(): Config {
	current ??= loadConfig();
	return current;
}

function reader(env: Env, problems: string[]) {
	/** Unset and empty are the same: `FOO= npm start` means "no FOO". */
	const raw = (name: VariableName): string | undefined => env[name]?.trim() || undefined;

	function wholeNumber<T extends number | null>(
		name: VariableName,
		fallback: T,
		min: number,
		max: number,
		what: string
	): number | T {
		const value = raw(name);
		if (value === undefined) return fallback;
		const number = /^\d+$/.test(value) ? Number(value) : NaN;
		if (number >= min && number <= max) return number;
		problems.push(`${name} must be ${what} between ${min} and ${max}, got '${value}'`);
		return fallback;
	}

	function origin(name: VariableName): string | null {
		const value = raw(name);
		if (value === undefined) return null;
		let url: URL | null = null;
		try {
			url = new URL(value);
		} catch {
			// reported below
		}
		const bare = url && !url.username && !url.password && url.pathname === '/' && !url.search && !url.hash;
		if (url && bare && (url.protocol === 'http:' || url.protocol === 'https:')) return url.origin;
		problems.push(
			`${name} must be one origin such as https://kring.example.org (scheme, host and port; no path), got '${value}'`
		);
		return null;
	}

	function headerName(name: VariableName): string | null {
		const value = raw(name);
		if (value === undefined) return null;
		if (/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value)) return value.toLowerCase();
		problems.push(`${name} must be an HTTP header name such as x-forwarded-proto, got '${value}'`);
		return null;
	}

	/** A URL that may carry a password: a message about it never repeats the value. */
	function url(name: VariableName, protocols: string[]): string | null {
		const value = raw(name);
		if (value === undefined) return null;
		const expected = protocols.map((protocol) => `${protocol}//`).join(' or ');
		let parsed: URL;
		try {
			parsed = new URL(value);
		} catch {
			problems.push(`${name} must be a ${expected} URL, got something that is not a URL`);
			return null;
		}
		if (protocols.includes(parsed.protocol)) return value;
		problems.push(`${name} must be a ${expected} URL, got one starting with '${parsed.protocol}'`);
		return null;
	}

	function redisPrefix(name: VariableName): string | null {
		const value = raw(name);
		if (value === undefined) return null;
		if (/^[A-Za-z0-9:._-]{1,64}$/.test(value)) return value;
		problems.push(`${name} must be 1 to 64 letters, digits or ':._-', such as kring-test:, got '${value}'`);
		return null;
	}

	return { text: raw, wholeNumber, origin, headerName, url, redisPrefix };
}
