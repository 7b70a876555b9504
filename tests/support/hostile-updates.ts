/**
 * Yjs updates a hostile (or broken) client could send, written byte by byte with lib0 in the
 * update format v1 that the y-websocket protocol carries: the shapes that were seen to hurt Kring.
 * Nothing here recurses, so any depth can be written. For the update guard's specs, the
 * integration tests on real sockets, and a fuzz suite.
 *
 * The layout (Yjs `writeStructs`, `writeDeleteSet`): number of clients; per client the number of
 * structs, the client id, the first clock, the structs; then the delete set: number of clients,
 * per client its id, the number of ranges and each range as clock and length.
 */
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

type Encoder = encoding.Encoder;

/** Content references of an item's info byte. */
const CONTENT = { deleted: 1, string: 4, type: 7, any: 8 } as const;
const HAS_ORIGIN = 0x80;
/** lib0's "any" type bytes. */
const ANY_ARRAY = 117;
const Y_ARRAY = 0;

export type Id = { client: number; clock: number };

function bytes(write: (encoder: Encoder) => void): Uint8Array {
	const encoder = encoding.createEncoder();
	write(encoder);
	return encoding.toUint8Array(encoder);
}

function writeId(encoder: Encoder, id: Id): void {
	encoding.writeVarUint(encoder, id.client);
	encoding.writeVarUint(encoder, id.clock);
}

/** Where an item without neighbours goes: a top-level part (parent info 1) or inside a type (0). */
function writeParent(encoder: Encoder, parent: string | Id): void {
	if (typeof parent === 'string') {
		encoding.writeVarUint(encoder, 1);
		encoding.writeVarString(encoder, parent);
	} else {
		encoding.writeVarUint(encoder, 0);
		writeId(encoder, parent);
	}
}

const noDeletes = (encoder: Encoder) => encoding.writeVarUint(encoder, 0);

/** A client id no honest client in a test will have (Yjs draws them at random from 0 … 2^32). */
export function strangerId(n = 0): number {
	return 0xfff0_0000 + n;
}

/**
 * One value pushed into a top-level list: an array nested `depth` deep (`[[[…]]]`), two bytes a
 * level. 5,500 deep is about 11 KB, and Yjs's decoder recurses once per level.
 */
export function nestedArrayUpdate(depth: number, options: { client?: number; root?: string } = {}): Uint8Array {
	return bytes((encoder) => {
		encoding.writeVarUint(encoder, 1);
		encoding.writeVarUint(encoder, 1);
		encoding.writeVarUint(encoder, options.client ?? strangerId());
		encoding.writeVarUint(encoder, 0);
		encoding.writeUint8(encoder, CONTENT.any);
		writeParent(encoder, options.root ?? 'agreements');
		encoding.writeVarUint(encoder, 1);
		for (let level = 0; level < depth - 1; level++) {
			encoding.writeUint8(encoder, ANY_ARRAY);
			encoding.writeVarUint(encoder, 1);
		}
		encoding.writeUint8(encoder, ANY_ARRAY);
		encoding.writeVarUint(encoder, 0);
		noDeletes(encoder);
	});
}

/** A chain of Y.Arrays, each inside the one before, the first in a top-level part. */
export function nestedTypesUpdate(depth: number, options: { client?: number; root?: string } = {}): Uint8Array {
	const client = options.client ?? strangerId();
	return bytes((encoder) => {
		encoding.writeVarUint(encoder, 1);
		encoding.writeVarUint(encoder, depth);
		encoding.writeVarUint(encoder, client);
		encoding.writeVarUint(encoder, 0);
		for (let level = 0; level < depth; level++) {
			encoding.writeUint8(encoder, CONTENT.type);
			writeParent(encoder, level === 0 ? (options.root ?? 'agreements') : { client, clock: level - 1 });
			encoding.writeVarUint(encoder, Y_ARRAY);
		}
		noDeletes(encoder);
	});
}

/** One character typed into a top-level text by each of `count` clients nobody has seen. */
export function manyClientsUpdate(count: number, options: { firstClient?: number; root?: string } = {}): Uint8Array {
	const first = options.firstClient ?? strangerId();
	return bytes((encoder) => {
		encoding.writeVarUint(encoder, count);
		for (let i = 0; i < count; i++) {
			encoding.writeVarUint(encoder, 1);
			encoding.writeVarUint(encoder, first + i);
			encoding.writeVarUint(encoder, 0);
			encoding.writeUint8(encoder, CONTENT.string);
			writeParent(encoder, options.root ?? 'monitor');
			encoding.writeVarString(encoder, 'x');
		}
		noDeletes(encoder);
	});
}

/** `count` garbage-collected structs of one new client, one clock each (two bytes a struct). */
export function gcStructsUpdate(count: number, options: { client?: number } = {}): Uint8Array {
	return bytes((encoder) => {
		encoding.writeVarUint(encoder, 1);
		encoding.writeVarUint(encoder, count);
		encoding.writeVarUint(encoder, options.client ?? strangerId());
		encoding.writeVarUint(encoder, 0);
		for (let i = 0; i < count; i++) {
			encoding.writeUint8(encoder, 0);
			encoding.writeVarUint(encoder, 1);
		}
		noDeletes(encoder);
	});
}

/**
 * Only deletions: `ranges` ranges of one clock each for each of `clients` clients that do not
 * exist. Yjs keeps them pending and applies them again inside every later update.
 */
export function pendingDeletesUpdate(
	options: { clients?: number; ranges?: number; firstClient?: number } = {}
): Uint8Array {
	const clients = options.clients ?? 1;
	const ranges = options.ranges ?? 1;
	const first = options.firstClient ?? strangerId();
	return bytes((encoder) => {
		encoding.writeVarUint(encoder, 0);
		encoding.writeVarUint(encoder, clients);
		for (let c = 0; c < clients; c++) {
			encoding.writeVarUint(encoder, first + c);
			encoding.writeVarUint(encoder, ranges);
			for (let r = 0; r < ranges; r++) {
				encoding.writeVarUint(encoder, r * 2);
				encoding.writeVarUint(encoder, 1);
			}
		}
	});
}

/** Deletes exactly these ranges (`length` clocks of `client` from `clock`), nothing else. */
export function deletionUpdate(ranges: { client: number; clock: number; length: number }[]): Uint8Array {
	const byClient = new Map<number, { clock: number; length: number }[]>();
	for (const { client, clock, length } of ranges) {
		if (!byClient.has(client)) byClient.set(client, []);
		byClient.get(client)!.push({ clock, length });
	}
	return bytes((encoder) => {
		encoding.writeVarUint(encoder, 0);
		encoding.writeVarUint(encoder, byClient.size);
		for (const [client, list] of byClient) {
			encoding.writeVarUint(encoder, client);
			encoding.writeVarUint(encoder, list.length);
			for (const { clock, length } of list.sort((a, b) => a.clock - b.clock)) {
				encoding.writeVarUint(encoder, clock);
				encoding.writeVarUint(encoder, length);
			}
		}
	});
}

/** Deletions of existing content: `ranges` one-clock ranges of `client`, every other clock from `from`. */
export function scatteredDeletesUpdate(client: number, ranges: number, from = 0): Uint8Array {
	return bytes((encoder) => {
		encoding.writeVarUint(encoder, 0);
		encoding.writeVarUint(encoder, 1);
		encoding.writeVarUint(encoder, client);
		encoding.writeVarUint(encoder, ranges);
		for (let r = 0; r < ranges; r++) {
			encoding.writeVarUint(encoder, from + r * 2);
			encoding.writeVarUint(encoder, 1);
		}
	});
}

/**
 * A character typed right after one that the room has never seen (`after`): Yjs keeps it
 * pending until that one arrives, which never happens.
 */
export function missingPredecessorUpdate(after: Id, options: { client?: number } = {}): Uint8Array {
	return bytes((encoder) => {
		encoding.writeVarUint(encoder, 1);
		encoding.writeVarUint(encoder, 1);
		encoding.writeVarUint(encoder, options.client ?? strangerId(1));
		encoding.writeVarUint(encoder, 0);
		encoding.writeUint8(encoder, CONTENT.string | HAS_ORIGIN);
		writeId(encoder, after);
		encoding.writeVarString(encoder, 'x');
		noDeletes(encoder);
	});
}

/** A struct of a known client that starts beyond what the room has of it: a gap in its history. */
export function gapUpdate(client: number, clock: number, root = 'monitor'): Uint8Array {
	return bytes((encoder) => {
		encoding.writeVarUint(encoder, 1);
		encoding.writeVarUint(encoder, 1);
		encoding.writeVarUint(encoder, client);
		encoding.writeVarUint(encoder, clock);
		encoding.writeUint8(encoder, CONTENT.string);
		writeParent(encoder, root);
		encoding.writeVarString(encoder, 'x');
		noDeletes(encoder);
	});
}

/** `chars` characters inserted at the start of a top-level text in one go (one byte each). */
export function bigInsertUpdate(chars: number, options: { client?: number; root?: string } = {}): Uint8Array {
	return bytes((encoder) => {
		encoding.writeVarUint(encoder, 1);
		encoding.writeVarUint(encoder, 1);
		encoding.writeVarUint(encoder, options.client ?? strangerId());
		encoding.writeVarUint(encoder, 0);
		encoding.writeUint8(encoder, CONTENT.string);
		writeParent(encoder, options.root ?? 'monitor');
		encoding.writeVarString(encoder, 'x'.repeat(chars));
		noDeletes(encoder);
	});
}

/** One deleted struct that claims `length` clocks: no bytes for its content, so bytes do not bound it. */
export function longDeletedUpdate(length: number, options: { client?: number; root?: string } = {}): Uint8Array {
	return bytes((encoder) => {
		encoding.writeVarUint(encoder, 1);
		encoding.writeVarUint(encoder, 1);
		encoding.writeVarUint(encoder, options.client ?? strangerId());
		encoding.writeVarUint(encoder, 0);
		encoding.writeUint8(encoder, CONTENT.deleted);
		writeParent(encoder, options.root ?? 'monitor');
		encoding.writeVarUint(encoder, length);
		noDeletes(encoder);
	});
}

/**
 * What a client writes when it edits `state` with Yjs itself, any way it likes (a field of the
 * wrong kind, an unknown top-level part…): the update that carries exactly that edit.
 */
export function editedWith(state: Uint8Array, edit: (doc: Y.Doc) => void, client?: number): Uint8Array {
	const doc = new Y.Doc();
	if (client !== undefined) doc.clientID = client;
	Y.applyUpdate(doc, state);
	const before = Y.encodeStateVector(doc);
	doc.transact(() => edit(doc));
	const update = Y.encodeStateAsUpdate(doc, before);
	doc.destroy();
	return update;
}

/** A y-websocket sync message carrying an update, as a provider sends each edit. */
export function syncUpdateMessage(update: Uint8Array): Uint8Array {
	return bytes((encoder) => {
		encoding.writeVarUint(encoder, 0);
		encoding.writeVarUint(encoder, 2);
		encoding.writeVarUint8Array(encoder, update);
	});
}
