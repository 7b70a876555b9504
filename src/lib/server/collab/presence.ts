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
	const clean: Record<string, unknown> = { user };
	const cursor = state.cursor;
	if (
		cursor &&
		typeof cursor === 'object' &&
		'anchor' in cursor &&
		'head' in cursor &&
		JSON.stringify(cursor).length <= MAX_CURSOR_JSON
	) {
		clean.cursor = cursor;
	} else {
		clean.cursor = null;
	}
	if (typeof state.focus === 'string' && state.focus.length <= 64) clean.focus = state.focus;
	return JSON.stringify(clean);
}

/**
 * A participant's colour, the same on every screen: from the contrast-checked six-digit palette
 * (Tiptap's caret takes only #rrggbb, and warns on every keystroke otherwise).
 */
export const colorFor = presenceColour;
