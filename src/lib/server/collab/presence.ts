import { presenceColour } from '$lib/conference/colours';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

export type PresenceUser = { name: string; role: string; color: string; participantId: string };

/** At most this many Yjs client ids per socket: one per open tab of the document is plenty. */
const MAX_CLIENT_IDS = 4;
const MAX_CURSOR_JSON = 2048;

/**
 * Rewrites an awareness update from one socket so that it carries the server's truth: only the
 * socket's own client ids, the name and role from its session, and a well-formed cursor. Entries
 * for client ids held by another socket are dropped, so nobody can spoof or wipe someone else.
 */
export function sanitizeAwarenessUpdate(
	payload: Uint8Array,
	owner: { clientIds: readonly number[]; user: PresenceUser },
	isClaimedByOther: (clientId: number) => boolean
): Uint8Array | null {
	const decoder = decoding.createDecoder(payload);
	const count = decoding.readVarUint(decoder);
	const kept: { clientId: number; clock: number; state: string }[] = [];
	for (let i = 0; i < count; i++) {
		const clientId = decoding.readVarUint(decoder);
		const clock = decoding.readVarUint(decoder);
		const raw = decoding.readVarString(decoder);
		if (isClaimedByOther(clientId)) continue;
		if (!owner.clientIds.includes(clientId)) {
			if (owner.clientIds.length >= MAX_CLIENT_IDS) continue;
			owner.clientIds = owner.clientIds.concat(clientId);
		}
		kept.push({ clientId, clock, state: sanitizeState(raw, owner.user) });
	}
	if (kept.length === 0) return null;
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, kept.length);
	for (const entry of kept) {
		encoding.writeVarUint(encoder, entry.clientId);
		encoding.writeVarUint(encoder, entry.clock);
		encoding.writeVarString(encoder, entry.state);
	}
	return encoding.toUint8Array(encoder);
}

function sanitizeState(raw: string, user: PresenceUser): string {
	const parsed = JSON.parse(raw) as unknown;
	if (parsed === null) return 'null';
	const state = typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
	// Written by hand, in the order JSON.stringify({ user, cursor, focus }) would write it: the
	// user part is the same on every caret of a socket, and the cursor is measured as JSON anyway.
	let clean = '{"user":' + userJson(user) + ',"cursor":';
	const cursor = state.cursor;
	const cursorJson =
		cursor && typeof cursor === 'object' && 'anchor' in cursor && 'head' in cursor ? JSON.stringify(cursor) : null;
	clean += cursorJson !== null && cursorJson.length <= MAX_CURSOR_JSON ? cursorJson : 'null';
	if (typeof state.focus === 'string' && state.focus.length <= 64) clean += ',"focus":' + JSON.stringify(state.focus);
	return clean + '}';
}

/** The session's user part as JSON, once per session user rather than once per caret. */
const userJsonCache = new WeakMap<PresenceUser, string>();

function userJson(user: PresenceUser): string {
	let json = userJsonCache.get(user);
	if (json === undefined) {
		json = JSON.stringify({ name: user.name, role: user.role, color: user.color, participantId: user.participantId });
		userJsonCache.set(user, json);
	}
	return json;
}

/**
 * A participant's colour, the same on every screen: from the contrast-checked six-digit palette
 * (Tiptap's caret takes only #rrggbb, and warns on every keystroke otherwise).
 */
export const colorFor = presenceColour;
