import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import type * as Y from 'yjs';
import { MESSAGE_SAVING, SAVING_PAUSED, SAVING_RESUMED } from '$lib/collab/saving';

/** Message types of the y-websocket protocol, as the `y-websocket` client provider speaks it. */
export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_AUTH = 2;
export const MESSAGE_QUERY_AWARENESS = 3;

/** WebSocket close codes Kring uses; the browser shows a matching message. */
export const CLOSE = {
	revoked: { code: 4403, reason: 'access revoked' },
	removed: { code: 4401, reason: 'participant removed' },
	signedOut: { code: 4401, reason: 'signed out' },
	malformed: { code: 4400, reason: 'malformed message' },
	storageFailed: { code: 4500, reason: 'could not store the change, reconnect' },
	unreadable: { code: 4501, reason: 'stored document cannot be read' },
	shuttingDown: { code: 1012, reason: 'server restarting' }
} as const;

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
