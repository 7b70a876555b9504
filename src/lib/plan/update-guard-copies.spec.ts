import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { GUARD_LIMITS, UpdateGuard } from './update-guard';

/**
 * The guard keeps two copies of a room's document while people type; an idle room lets them go,
 * but never while an admitted update is still on its way to the room (being stored).
 */
describe('the update guard of an idle room', () => {
	const RELEASE_MS = 30;
	const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

	function phoneTyping() {
		const phone = new Y.Doc();
		const updates: Uint8Array[] = [];
		phone.on('update', (update: Uint8Array) => updates.push(update));
		const type = () => {
			const text = phone.getText('contingency');
			text.insert(text.length, 'x');
			return updates[updates.length - 1];
		};
		return { type };
	}

	it('lets its copies go after a quiet moment and judges the next keystroke on a fresh copy', async () => {
		const room = new Y.Doc();
		const guard = new UpdateGuard(room, 'plan', GUARD_LIMITS, RELEASE_MS);
		const phone = phoneTyping();
		const first = phone.type();
		expect(guard.admit(first)).toMatchObject({ ok: true });
		guard.applyAdmitted(() => Y.applyUpdate(room, first));
		expect(guard.holdsCopies).toBe(true);
		await wait(RELEASE_MS * 4);
		expect(guard.holdsCopies).toBe(false);
		const second = phone.type();
		expect(guard.admit(second)).toMatchObject({ ok: true });
		guard.applyAdmitted(() => Y.applyUpdate(room, second));
		expect(room.getText('contingency').toString()).toBe('xx');
	});

	it('keeps them while an admitted keystroke is still being stored, so the next one builds on it', async () => {
		const room = new Y.Doc();
		const guard = new UpdateGuard(room, 'plan', GUARD_LIMITS, RELEASE_MS);
		const phone = phoneTyping();
		const slow = phone.type();
		expect(guard.admit(slow)).toMatchObject({ ok: true });
		// The store takes longer than the quiet moment: the room has not applied `slow` yet.
		await wait(RELEASE_MS * 4);
		expect(guard.admit(phone.type())).toMatchObject({ ok: true });
	});

	it('follows what the room takes from elsewhere even while it skips its own updates', () => {
		const room = new Y.Doc();
		const guard = new UpdateGuard(room, 'plan', GUARD_LIMITS, RELEASE_MS);
		const mine = phoneTyping();
		const own = mine.type();
		expect(guard.admit(own)).toMatchObject({ ok: true });
		guard.applyAdmitted(() => Y.applyUpdate(room, own));
		// Another instance's phone, arriving over the bus: the guard must learn of it.
		const other = new Y.Doc();
		Y.applyUpdate(other, Y.encodeStateAsUpdate(room));
		const updates: Uint8Array[] = [];
		other.on('update', (update: Uint8Array) => updates.push(update));
		other.getText('contingency').insert(0, 'o');
		Y.applyUpdate(room, updates[0]);
		other.getText('contingency').insert(1, 'p');
		expect(guard.admit(updates[1])).toMatchObject({ ok: true });
	});
});
