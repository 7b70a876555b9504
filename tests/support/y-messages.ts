/**
 * The y-websocket protocol by hand (y-protocols framing): to send what a real client would not
 * (someone else's client id, a write on a read-only socket, broken bytes) and to read exactly
 * what the server sent.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

export const MESSAGE = { sync: 0, awareness: 1, auth: 2, queryAwareness: 3 } as const;

function sync(step: number, payload: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE.sync);
	encoding.writeVarUint(encoder, step);
	encoding.writeVarUint8Array(encoder, payload);
	return encoding.toUint8Array(encoder);
}

/** "This is what I have; send me the rest." */
export function syncStep1(stateVector: Uint8Array = Y.encodeStateVector(new Y.Doc())): Uint8Array {
	return sync(syncProtocol.messageYjsSyncStep1, stateVector);
}

/** The answer to a sync step 1: what the asker is missing. */
export function syncStep2(update: Uint8Array): Uint8Array {
	return sync(syncProtocol.messageYjsSyncStep2, update);
}

export function syncUpdate(update: Uint8Array): Uint8Array {
	return sync(syncProtocol.messageYjsUpdate, update);
}

export function queryAwareness(): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE.queryAwareness);
	return encoding.toUint8Array(encoder);
}

/** An awareness message with hand-written entries: any client id, any clock, any state. */
export function awarenessMessage(
	entries: { clientId: number; clock: number; state: unknown | null; rawState?: string }[]
): Uint8Array {
	const inner = encoding.createEncoder();
	encoding.writeVarUint(inner, entries.length);
	for (const entry of entries) {
		encoding.writeVarUint(inner, entry.clientId);
		encoding.writeVarUint(inner, entry.clock);
		encoding.writeVarString(inner, entry.rawState ?? JSON.stringify(entry.state));
	}
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE.awareness);
	encoding.writeVarUint8Array(encoder, encoding.toUint8Array(inner));
	return encoding.toUint8Array(encoder);
}

export type Decoded =
	| { kind: 'sync-step-1' | 'sync-step-2' | 'update'; payload: Uint8Array }
	| { kind: 'awareness'; states: { clientId: number; clock: number; state: unknown }[] }
	| { kind: 'auth'; reason: string }
	| { kind: 'query-awareness' }
	| { kind: 'unknown'; type: number };

export function decodeMessage(message: Uint8Array): Decoded {
	const decoder = decoding.createDecoder(message);
	const type = decoding.readVarUint(decoder);
	if (type === MESSAGE.sync) {
		const step = decoding.readVarUint(decoder);
		const payload = decoding.readVarUint8Array(decoder);
		return { kind: step === 0 ? 'sync-step-1' : step === 1 ? 'sync-step-2' : 'update', payload };
	}
	if (type === MESSAGE.awareness) {
		const inner = decoding.createDecoder(decoding.readVarUint8Array(decoder));
		const count = decoding.readVarUint(inner);
		const states = [];
		for (let i = 0; i < count; i++) {
			const clientId = decoding.readVarUint(inner);
			const clock = decoding.readVarUint(inner);
			states.push({ clientId, clock, state: JSON.parse(decoding.readVarString(inner)) });
		}
		return { kind: 'awareness', states };
	}
	if (type === MESSAGE.auth) {
		decoding.readVarUint(decoder);
		return { kind: 'auth', reason: decoding.readVarString(decoder) };
	}
	if (type === MESSAGE.queryAwareness) return { kind: 'query-awareness' };
	return { kind: 'unknown', type };
}

/** Applies every sync message a raw socket received to a fresh document, to read what it learned. */
export function docFromMessages(messages: Uint8Array[]): Y.Doc {
	const doc = new Y.Doc();
	for (const message of messages) {
		const decoded = decodeMessage(message);
		if (decoded.kind === 'sync-step-2' || decoded.kind === 'update') Y.applyUpdate(doc, decoded.payload);
	}
	return doc;
}

/** A document's whole state: a marker typed in one insert stays whole in it. */
export function docBytes(doc: Y.Doc): Uint8Array {
	return Y.encodeStateAsUpdate(doc);
}
