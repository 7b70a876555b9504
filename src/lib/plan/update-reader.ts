import * as Y from 'yjs';

/**
 * Reads a Yjs update (format v1, as the y-websocket protocol carries it) without applying it:
 * which clients write which clocks, where, with what, how deep, and what it deletes.
 *
 * Yjs decodes nested JSON values by recursion, so bytes nested a few thousand deep overflow the
 * stack — on a cold process sooner than on a warm one. This reader never recurses, checks every
 * length against the bytes that are really there, and stops at the first limit it passes, so
 * reading a hostile update costs no more than its size.
 */

export type StructId = { client: number; clock: number };

export type ReadStruct = {
	client: number;
	clock: number;
	/** Clocks it takes: characters of a string, values of a list, 1 for a type. */
	length: number;
	kind: 'gc' | 'skip' | 'item';
	origin: StructId | null;
	rightOrigin: StructId | null;
	/** Written only when neither origin is: then it says where the item goes. */
	parent: { root: string } | { id: StructId } | null;
	parentSub: string | null;
	/** The Yjs content reference (1 deleted … 9 subdocument), 0 for GC and skip. */
	content: number;
	/** For a shared type (content 7): 0 array, 1 map, 2 text, 3 XML element, 4 XML fragment, 5 hook, 6 XML text. */
	typeRef: number | null;
};

export type ClientStructs = { client: number; clock: number; structs: ReadStruct[] };

export type ReadUpdate = {
	clients: ClientStructs[];
	/** Per client, its delete ranges as [clock, length] pairs. */
	deletes: { client: number; ranges: number[] }[];
	structCount: number;
	rangeCount: number;
	/** Top-level names the update writes into. */
	roots: Set<string>;
	/** Deepest nesting of a JSON or any value (0: none, or only flat values). */
	jsonDepth: number;
};

export type ReadLimits = {
	maxStructs: number;
	maxClients: number;
	maxDeleteRanges: number;
	/** Total clocks of all structs: deleted and collected content costs no bytes, so bytes do not bound it. */
	maxClockSpan: number;
	maxJsonDepth: number;
};

const READ_PROBLEM_NAMES = [
	'malformed',
	'too-many-structs',
	'too-many-clients',
	'too-many-deletions',
	'too-long',
	'too-deep'
] as const;

/** Why reading stopped: the bytes are not an update, or one of the limits was passed. */
export type ReadProblem = (typeof READ_PROBLEM_NAMES)[number];

/** Every `ReadProblem`: a guard's refusal named so came from reading the update, before anything was applied. */
export const READ_PROBLEMS: ReadonlySet<string> = new Set<ReadProblem>(READ_PROBLEM_NAMES);

export type ReadResult = { ok: true; update: ReadUpdate } | { ok: false; problem: ReadProblem; detail: string };

const UNLIMITED: ReadLimits = {
	maxStructs: Infinity,
	maxClients: Infinity,
	maxDeleteRanges: Infinity,
	maxClockSpan: Infinity,
	maxJsonDepth: Infinity
};

class Stop extends Error {
	constructor(
		readonly problem: ReadProblem,
		readonly detail: string
	) {
		super(detail);
	}
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const SHORT_STRING = 32;

/** Byte-level reading with every length checked: lib0 would read past a view into its buffer. */
class Bytes {
	pos = 0;
	constructor(private readonly bytes: Uint8Array) {}

	get left(): number {
		return this.bytes.length - this.pos;
	}

	byte(): number {
		if (this.pos >= this.bytes.length) throw new Stop('malformed', 'ends in the middle');
		return this.bytes[this.pos++];
	}

	/** lib0's variable-length unsigned integer. */
	uint(): number {
		let num = 0;
		let mult = 1;
		for (;;) {
			const r = this.byte();
			num += (r & 0x7f) * mult;
			mult *= 128;
			if (r < 0x80) return num;
			if (num > MAX_SAFE) throw new Stop('malformed', 'a number out of range');
		}
	}

	/** lib0's variable-length signed integer: only skipped. */
	skipInt(): void {
		let r = this.byte();
		let num = r & 0x3f;
		let mult = 64;
		while (r >= 0x80) {
			r = this.byte();
			num += (r & 0x7f) * mult;
			mult *= 128;
			if (r >= 0x80 && num > MAX_SAFE) throw new Stop('malformed', 'a number out of range');
		}
	}

	skip(n: number): void {
		if (n > this.left) throw new Stop('malformed', 'a length beyond the end');
		this.pos += n;
	}

	/** A length-prefixed byte string, skipped. */
	skipBuffer(): void {
		this.skip(this.uint());
	}

	string(): string {
		const n = this.uint();
		if (n > this.left) throw new Stop('malformed', 'a string beyond the end');
		const start = this.pos;
		this.pos += n;
		// A short ASCII string (a part's name, a key) is read here: the decoder's call costs more than it.
		const ascii = n <= SHORT_STRING ? asciiText(this.bytes, start, n) : null;
		if (ascii !== null) return ascii;
		try {
			return utf8.decode(this.bytes.subarray(start, start + n));
		} catch {
			throw new Stop('malformed', 'a string that is not UTF-8');
		}
	}

	/** A count of entries that each take at least one byte: more than the bytes left is a lie. */
	count(): number {
		const n = this.uint();
		if (n > this.left) throw new Stop('malformed', 'a count beyond the end');
		return n;
	}
}

/** The bytes as text when they are all ASCII; null when one is not. */
function asciiText(bytes: Uint8Array, start: number, length: number): string | null {
	let text = '';
	for (let i = start; i < start + length; i++) {
		if (bytes[i] >= 0x80) return null;
		text += String.fromCharCode(bytes[i]);
	}
	return text;
}

/**
 * Walks one lib0 "any" value without recursion and returns how deep it nests. Stops as soon as
 * it is deeper than `maxDepth`.
 */
function skipAny(bytes: Bytes, maxDepth: number): number {
	// Per open array or object: values still to read, and whether a key comes before each.
	const remaining: number[] = [];
	const isObject: boolean[] = [];
	let deepest = 0;
	for (;;) {
		const top = remaining.length - 1;
		if (top >= 0) {
			if (remaining[top] === 0) {
				remaining.pop();
				isObject.pop();
				if (remaining.length === 0) return deepest;
				continue;
			}
			remaining[top]--;
			if (isObject[top]) bytes.string();
		}
		// lib0 writes the type as 127 (undefined) down to 116 (bytes).
		const type = bytes.byte();
		switch (type) {
			case 127: // undefined
			case 126: // null
			case 121: // false
			case 120: // true
				break;
			case 125:
				bytes.skipInt();
				break;
			case 124:
				bytes.skip(4);
				break;
			case 123:
			case 122:
				bytes.skip(8);
				break;
			case 119: // string
			case 116: // bytes
				bytes.skipBuffer();
				break;
			case 118: // object
			case 117: {
				// array
				remaining.push(bytes.count());
				isObject.push(type === 118);
				if (remaining.length > deepest) deepest = remaining.length;
				if (deepest > maxDepth) throw new Stop('too-deep', `a value nested more than ${maxDepth} deep`);
				break;
			}
			default:
				throw new Stop('malformed', `an unknown value type ${type}`);
		}
		if (remaining.length === 0) return deepest;
	}
}

/** How deep brackets nest in JSON text, outside its strings; never parses it. */
export function jsonDepth(text: string): number {
	let depth = 0;
	let deepest = 0;
	let inString = false;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if (inString) {
			if (c === 92) i++;
			else if (c === 34) inString = false;
		} else if (c === 34) inString = true;
		else if (c === 91 || c === 123) {
			if (++depth > deepest) deepest = depth;
		} else if (c === 93 || c === 125) depth--;
	}
	return deepest;
}

function checkJson(text: string, maxDepth: number): number {
	const depth = jsonDepth(text);
	if (depth > maxDepth) throw new Stop('too-deep', `a JSON value nested more than ${maxDepth} deep`);
	return depth;
}

/** Reads the whole update, or says what is wrong with it (the first limit it passes). */
export function readUpdate(update: Uint8Array, limits: Partial<ReadLimits> = UNLIMITED): ReadResult {
	const limit = completeLimits(limits);
	try {
		return { ok: true, update: read(new Bytes(update), limit, true) };
	} catch (error) {
		if (error instanceof Stop) return { ok: false, problem: error.problem, detail: error.detail };
		throw error;
	}
}

/** Limits completed with "unlimited", once per limits object: the guard reads every update with the same one. */
const completed = new WeakMap<Partial<ReadLimits>, ReadLimits>();

function completeLimits(limits: Partial<ReadLimits>): ReadLimits {
	let limit = completed.get(limits);
	if (!limit) {
		limit = { ...UNLIMITED, ...limits };
		completed.set(limits, limit);
	}
	return limit;
}

/**
 * Throws when Yjs could not decode these bytes without a risk to the stack: malformed, or a
 * value nested deeper than `maxJsonDepth`. For stored updates, before they are applied.
 */
export function assertDecodable(update: Uint8Array, maxJsonDepth: number): void {
	try {
		// Walked without keeping what it reads: a hostile update of 200,000 structs must not cost
		// 200,000 objects (and the garbage collection after them) only to be checked.
		read(new Bytes(update), { ...UNLIMITED, maxJsonDepth }, false);
	} catch (error) {
		if (error instanceof Stop) throw new UnreadableUpdateError(error.detail);
		throw error;
	}
}

/**
 * Stored updates nested deeper than this are not handed to Yjs: its decoder recurses, and a few
 * thousand levels overflow the stack of a cold process. Far above anything the guard lets in.
 */
export const STORED_JSON_DEPTH_LIMIT = 1_000;

/**
 * Applies a stored update to a document, refusing (UnreadableUpdateError) bytes that Yjs could
 * not decode without risking the stack: stored before the update guard existed, such a row must fail
 * the same way every time, not only when the process happens to be cold.
 */
export function applyStoredUpdate(doc: Y.Doc, update: Uint8Array, origin?: unknown): void {
	assertDecodable(update, STORED_JSON_DEPTH_LIMIT);
	Y.applyUpdate(doc, update, origin);
}

export class UnreadableUpdateError extends Error {
	constructor(detail: string) {
		super(`not a readable Yjs update: ${detail}`);
		this.name = 'UnreadableUpdateError';
	}
}

/** Reads an update; `keep` false only checks it, holding no struct, range or id it reads. */
function read(bytes: Bytes, limit: ReadLimits, keep: boolean): ReadUpdate {
	const result: ReadUpdate = {
		clients: [],
		deletes: [],
		structCount: 0,
		rangeCount: 0,
		roots: new Set(),
		jsonDepth: 0
	};
	let span = 0;
	const seen = new Set<number>();
	// The counts an update declares are refused before anything they count is read.
	const clientCount = bytes.count();
	if (clientCount > limit.maxClients) throw new Stop('too-many-clients', `more than ${limit.maxClients} clients`);
	const scratch = keep ? null : emptyStruct(0, 0);
	for (let c = 0; c < clientCount; c++) {
		const structCount = bytes.count();
		if (result.structCount + structCount > limit.maxStructs)
			throw new Stop('too-many-structs', `more than ${limit.maxStructs} structs`);
		const client = bytes.uint();
		let clock = bytes.uint();
		// Yjs keeps only the last section of a client that appears twice.
		if (seen.has(client)) throw new Stop('malformed', 'one client written twice');
		seen.add(client);
		const section: ClientStructs | null = keep ? { client, clock, structs: [] } : null;
		if (section) result.clients.push(section);
		for (let s = 0; s < structCount; s++) {
			result.structCount++;
			const struct = readStruct(bytes, client, clock, limit, result, scratch);
			section?.structs.push(struct);
			clock += struct.length;
			span += struct.length;
			if (span > limit.maxClockSpan) throw new Stop('too-long', `structs longer than ${limit.maxClockSpan} in all`);
			if (clock > MAX_SAFE) throw new Stop('malformed', 'a clock out of range');
		}
	}
	const deleteClients = bytes.count();
	for (let c = 0; c < deleteClients; c++) {
		const client = bytes.uint();
		const rangeCount = bytes.count();
		// A client without ranges still costs a look-up.
		result.rangeCount += Math.max(rangeCount, 1);
		if (result.rangeCount > limit.maxDeleteRanges)
			throw new Stop('too-many-deletions', `more than ${limit.maxDeleteRanges} delete ranges`);
		const ranges: number[] = [];
		for (let r = 0; r < rangeCount; r++) {
			const clock = bytes.uint();
			const length = bytes.uint();
			if (clock + length > MAX_SAFE) throw new Stop('malformed', 'a delete range out of range');
			if (keep) ranges.push(clock, length);
		}
		if (keep) result.deletes.push({ client, ranges });
	}
	return result;
}

function emptied(struct: ReadStruct, client: number, clock: number): ReadStruct {
	struct.client = client;
	struct.clock = clock;
	struct.length = 0;
	struct.kind = 'item';
	struct.origin = struct.rightOrigin = struct.parent = null;
	struct.parentSub = null;
	struct.typeRef = null;
	return struct;
}

const BIT6 = 0x20;
const BIT7 = 0x40;
const BIT8 = 0x80;

function readId(bytes: Bytes): StructId {
	return { client: bytes.uint(), clock: bytes.uint() };
}

function emptyStruct(client: number, clock: number): ReadStruct {
	return {
		client,
		clock,
		length: 0,
		kind: 'item',
		origin: null,
		rightOrigin: null,
		parent: null,
		parentSub: null,
		content: 0,
		typeRef: null
	};
}

/** Reads one struct into a new object, or into `scratch` (emptied first) when the caller keeps none. */
function readStruct(
	bytes: Bytes,
	client: number,
	clock: number,
	limit: ReadLimits,
	into: ReadUpdate,
	scratch: ReadStruct | null
): ReadStruct {
	const info = bytes.byte();
	const content = info & 0x1f;
	const struct = scratch ? emptied(scratch, client, clock) : emptyStruct(client, clock);
	struct.content = content;
	if (content === 0 || content === 10) {
		struct.kind = content === 0 ? 'gc' : 'skip';
		struct.content = 0;
		struct.length = bytes.uint();
		if (struct.length === 0) throw new Stop('malformed', 'an empty struct');
		return struct;
	}
	if (info & BIT8) struct.origin = readId(bytes);
	if (info & BIT7) struct.rightOrigin = readId(bytes);
	if ((info & (BIT7 | BIT8)) === 0) {
		if (bytes.uint() === 1) {
			const root = bytes.string();
			struct.parent = { root };
			into.roots.add(root);
		} else struct.parent = { id: readId(bytes) };
		if (info & BIT6) struct.parentSub = bytes.string();
	}
	struct.length = readContent(bytes, struct, limit, into);
	if (struct.length === 0) throw new Stop('malformed', 'an empty item');
	return struct;
}

function noteDepth(into: ReadUpdate, depth: number): void {
	if (depth > into.jsonDepth) into.jsonDepth = depth;
}

/** Reads an item's content; returns the clocks it takes. */
function readContent(bytes: Bytes, struct: ReadStruct, limit: ReadLimits, into: ReadUpdate): number {
	switch (struct.content) {
		case 1: // deleted
			return bytes.uint();
		case 2: {
			// JSON (old clients)
			const n = bytes.count();
			for (let i = 0; i < n; i++) {
				const text = bytes.string();
				if (text !== 'undefined') noteDepth(into, checkJson(text, limit.maxJsonDepth));
			}
			return n;
		}
		case 3: // binary
			bytes.skipBuffer();
			return 1;
		case 4: // string
			return bytes.string().length;
		case 5: // embed
			noteDepth(into, checkJson(bytes.string(), limit.maxJsonDepth));
			return 1;
		case 6: // format: key, JSON value
			bytes.string();
			noteDepth(into, checkJson(bytes.string(), limit.maxJsonDepth));
			return 1;
		case 7: {
			const typeRef = bytes.uint();
			if (typeRef > 6) throw new Stop('malformed', `an unknown type ${typeRef}`);
			struct.typeRef = typeRef;
			// An XML element carries its node name, a hook its hook name.
			if (typeRef === 3 || typeRef === 5) bytes.string();
			return 1;
		}
		case 8: {
			const n = bytes.count();
			for (let i = 0; i < n; i++) noteDepth(into, skipAny(bytes, limit.maxJsonDepth));
			return n;
		}
		case 9: // subdocument: its guid and options
			bytes.string();
			noteDepth(into, skipAny(bytes, limit.maxJsonDepth));
			return 1;
		default:
			throw new Stop('malformed', `an unknown content type ${struct.content}`);
	}
}
