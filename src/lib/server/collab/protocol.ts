import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { MESSAGE_SAVING, SAVING_PAUSED, SAVING_RESUMED } from '$lib/collab/saving';
import { assertWellFormedUpdate } from '$lib/plan/update-guard';

/** Message types of the y-websocket protocol, as the `y-websocket` client provider speaks it. */
export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_AUTH = 2;
export const MESSAGE_QUERY_AWARENESS = 3;

/** WebSocket close codes Kring uses; the browser shows a matching message. */
export { CLOSE } from '$lib/collab/close-codes';

export function encodeSyncStep1(doc: Y.Doc): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_SYNC);
	syncProtocol.writeSyncStep1(encoder, doc);
	return encoding.toUint8Array(encoder);
}

export function encodeSyncStep2(doc: Y.Doc, stateVector: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_SYNC);
	syncProtocol.writeSyncStep2(encoder, doc, stateVector);
	return encoding.toUint8Array(encoder);
}

export function encodeUpdate(update: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_SYNC);
	syncProtocol.writeUpdate(encoder, update);
	return encoding.toUint8Array(encoder);
}

export function encodeAwareness(awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array {
	return encodeAwarenessPayload(awarenessProtocol.encodeAwarenessUpdate(awareness, clients));
}

export function encodeAwarenessPayload(payload: Uint8Array): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
	encoding.writeVarUint8Array(encoder, payload);
	return encoding.toUint8Array(encoder);
}

/** The y-protocols auth message: the provider reports it as "permission denied". */
export function encodePermissionDenied(reason: string): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_AUTH);
	encoding.writeVarUint(encoder, 0);
	encoding.writeVarString(encoder, reason);
	return encoding.toUint8Array(encoder);
}

/** Kring's "saving is paused" / "saving works again" message ($lib/collab/saving). */
export function encodeSaving(paused: boolean): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, MESSAGE_SAVING);
	encoding.writeVarUint(encoder, paused ? SAVING_PAUSED : SAVING_RESUMED);
	return encoding.toUint8Array(encoder);
}

/**
 * Throws when bytes are not a well-formed Yjs update, before anything is stored. Reads without
 * recursion: Yjs's own decoder overflows the stack on values nested a few thousand deep.
 */
export function assertValidUpdate(update: Uint8Array): void {
	assertWellFormedUpdate(update);
}
