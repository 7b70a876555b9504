import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { colorFor, sanitizeAwarenessUpdate, type PresenceUser } from './presence';

/**
 * Presence (who is where in the document) is what one socket tells everyone else in the room. The
 * sanitiser stands between them: a socket speaks only for its own Yjs client ids, with the name
 * and role its session has, and passes on nothing but a cursor and a short focus.
 */
type Entry = { clientId: number; clock: number; state: string };

function update(entries: { clientId: number; clock?: number; state: unknown; raw?: string }[]): Uint8Array {
	const encoder = encoding.createEncoder();
	encoding.writeVarUint(encoder, entries.length);
	for (const entry of entries) {
		encoding.writeVarUint(encoder, entry.clientId);
		encoding.writeVarUint(encoder, entry.clock ?? 1);
		encoding.writeVarString(encoder, entry.raw ?? JSON.stringify(entry.state));
	}
	return encoding.toUint8Array(encoder);
}

function entriesOf(payload: Uint8Array | null): Entry[] | null {
	if (payload === null) return null;
	const decoder = decoding.createDecoder(payload);
	const count = decoding.readVarUint(decoder);
	return Array.from({ length: count }, () => ({
		clientId: decoding.readVarUint(decoder),
		clock: decoding.readVarUint(decoder),
		state: decoding.readVarString(decoder)
	}));
}

const mallory: PresenceUser = {
	name: 'Mallory',
	role: 'family',
	color: colorFor('p-mallory'),
	participantId: 'p-mallory'
};

/** A socket of Mallory's; client 1 belongs to another socket (Anna's). */
function socket(ownIds: number[] = []) {
	const owner = { clientIds: [...ownIds] as readonly number[], user: mallory };
	const claimedByOther = (clientId: number) => clientId === 1;
	return {
		owner,
		send: (entries: Parameters<typeof update>[0]) =>
			entriesOf(sanitizeAwarenessUpdate(update(entries), owner, claimedByOther)),
		stateOf: (entries: Parameters<typeof update>[0]) => {
			const [entry] = entriesOf(sanitizeAwarenessUpdate(update(entries), owner, claimedByOther)) ?? [];
			return entry && JSON.parse(entry.state);
		}
	};
}

describe('sanitizeAwarenessUpdate', () => {
	it('replaces the name, role and participant a client claims with the ones from its session', () => {
		const { stateOf } = socket();
		const claimed = { name: 'Anna', role: 'coordinator', participantId: 'p-anna', color: 'red' };
		expect(stateOf([{ clientId: 7, state: { user: claimed, cursor: null } }])).toEqual({ user: mallory, cursor: null });
	});

	it('passes on only the user, a well-formed cursor and a short focus: no other field', () => {
		const { stateOf } = socket();
		const state = {
			user: {},
			cursor: { anchor: { type: 1 }, head: { type: 2 } },
			focus: 'agreements',
			name: 'Coördinator',
			role: 'coordinator',
			html: '<img src=x onerror=alert(1)>',
			text: 'SECRET plan text'
		};
		expect(stateOf([{ clientId: 7, state }])).toEqual({
			user: mallory,
			cursor: { anchor: { type: 1 }, head: { type: 2 } },
			focus: 'agreements'
		});
	});

	it('drops entries for a client id another socket holds: nobody speaks for, or wipes, someone else', () => {
		const { send, owner } = socket([7]);
		expect(send([{ clientId: 1, clock: 99, state: { user: { name: 'Anna' }, focus: 'spoofed' } }])).toBeNull();
		expect(send([{ clientId: 1, clock: 100, state: null }])).toBeNull();
		expect(send([{ clientId: 1, clock: 101, state: null, raw: 'null' }])).toBeNull();
		expect(owner.clientIds.includes(1)).toBe(false);
		// In a mixed update only the socket's own entry survives.
		expect(
			send([
				{ clientId: 1, state: { focus: 'x' } },
				{ clientId: 7, clock: 5, state: { focus: 'y' } }
			])
		).toEqual([{ clientId: 7, clock: 5, state: JSON.stringify({ user: mallory, cursor: null, focus: 'y' }) }]);
	});

	it('lets a socket clear its own presence, and keeps the clock it sent', () => {
		const { send } = socket([7]);
		expect(send([{ clientId: 7, clock: 42, state: null }])).toEqual([{ clientId: 7, clock: 42, state: 'null' }]);
	});

	it('records the ids a socket speaks for, up to four; a fifth is dropped', () => {
		const { send, owner } = socket();
		for (const clientId of [11, 12, 13, 14]) expect(send([{ clientId, state: {} }])).toHaveLength(1);
		expect([...owner.clientIds]).toEqual([11, 12, 13, 14]);
		expect(send([{ clientId: 15, state: {} }])).toBeNull();
		expect(owner.clientIds.includes(15)).toBe(false);
		expect(send([{ clientId: 12, clock: 2, state: {} }])).toHaveLength(1);
	});

	it('replaces a cursor that is not an anchor and head, or that is too big, with none', () => {
		const { stateOf } = socket();
		for (const cursor of [
			'anchor',
			42,
			[1, 2],
			{ anchor: 1 },
			{ head: 1 },
			{ anchor: 1, head: 1, padding: 'x'.repeat(2048) }
		]) {
			expect(stateOf([{ clientId: 7, state: { cursor } }]).cursor, JSON.stringify(cursor).slice(0, 40)).toBeNull();
		}
		expect(stateOf([{ clientId: 7, state: { cursor: { anchor: 1, head: 3 } } }]).cursor).toEqual({
			anchor: 1,
			head: 3
		});
	});

	it('passes a focus only as a string of at most 64 characters', () => {
		const { stateOf } = socket();
		expect(stateOf([{ clientId: 7, state: { focus: 'x'.repeat(64) } }]).focus).toBe('x'.repeat(64));
		for (const focus of ['x'.repeat(65), 42, { toString: 'agreements' }, ['agreements']])
			expect(stateOf([{ clientId: 7, state: { focus } }])).not.toHaveProperty('focus');
	});

	it('turns a state that is not an object into the session’s user without a cursor', () => {
		const { stateOf } = socket();
		for (const state of [42, 'Anna', true, []])
			expect(stateOf([{ clientId: 7, state }]), JSON.stringify(state)).toEqual({ user: mallory, cursor: null });
	});

	it('writes each state as JSON.stringify writes it, so the room may send it on as the awareness would', () => {
		const { owner } = socket();
		const cursor = { head: { '2': 'b', tname: 'ü "quoted"' }, anchor: { '10': 1e21, x: -0.5 } };
		const sent = update([
			{ clientId: 7, raw: ` { "cursor" : ${JSON.stringify(cursor)}, "focus": "notes\\n" } `, state: null }
		]);
		const [entry] = entriesOf(sanitizeAwarenessUpdate(sent, owner, () => false))!;
		expect(entry.state).toBe(JSON.stringify(JSON.parse(entry.state)));
		expect(JSON.parse(entry.state)).toEqual({ user: mallory, cursor, focus: 'notes\n' });
	});

	it('refuses (throws on) a state that is not JSON and a truncated update, so the socket can be closed', () => {
		const { owner } = socket();
		expect(() =>
			sanitizeAwarenessUpdate(update([{ clientId: 7, state: null, raw: '{not json' }]), owner, () => false)
		).toThrow();
		const whole = update([{ clientId: 7, state: { focus: 'x' } }]);
		expect(() => sanitizeAwarenessUpdate(whole.slice(0, whole.length - 3), owner, () => false)).toThrow();
	});
});

describe('colorFor', () => {
	it('gives each participant the same colour on every screen', () => {
		expect(colorFor('p-anna')).toBe(colorFor('p-anna'));
		expect(colorFor('p-anna')).toMatch(/^#[0-9a-f]{6}$/);
	});
});
