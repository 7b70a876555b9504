// @vitest-environment svelte-client
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { LiveDoc } from '$lib/collab/live-doc.svelte';
import { access } from '$lib/conference/access';
import { actionsFor, transitionsFor } from '$lib/conference/permissions';
import type { DocumentName, Phase, Role } from '$lib/conference/phases';
import type { Board } from '$lib/server/board';
import { BoardState, type BoardPageData, type DocumentWish, type EventStream } from './board-state.svelte';

/**
 * The board page's state, with the documents and the event stream replaced by fakes that
 * record what the page opened and closed. The boards are what loadBoard hands each viewer:
 * access() and the rule book decide them here too.
 */
const ME = 'p-edith';

function boardFor(role: Role, phase: Phase, extra: Partial<Board> = {}): Board {
	return {
		conference: {
			id: 'conf-1',
			title: 'Johan',
			phase,
			phaseChangedAt: '2026-11-30T10:00:00.000Z',
			question: null,
			knocked: false
		},
		me: { participantId: ME, name: 'Edith', role, status: 'active' },
		access: { brief: access(role, phase, 'brief'), plan: access(role, phase, 'plan') },
		actions: actionsFor(role, phase),
		transitions: transitionsFor(role, phase),
		connectedFamily: 2,
		familyCount: 2,
		participants: [
			{ id: ME, name: 'Edith', role, presence: 'room', connected: true },
			{ id: 'p-wim', name: 'Wim', role: 'family', presence: 'room', connected: true },
			{ id: 'p-karim', name: 'Karim', role: 'professional', presence: 'room', connected: false }
		],
		waiting: [],
		circle: [],
		removals: [],
		invite: null,
		accepted: null,
		audit: [],
		...extra
	} as Board;
}

type FakeDoc = {
	name: DocumentName;
	wish: DocumentWish;
	destroyed: boolean;
	forgotten: boolean;
	changeUndone: boolean;
	/** What the live document calls once the server refused a change from it and its copy is gone. */
	refused: (rule?: string | null) => void;
};

function setUp(first: BoardPageData) {
	let data = $state(first);
	// SvelteKit hands over a new params object with every reload, as `page.params` does.
	let params = $state.raw({ id: 'conf-1' });
	const opened: FakeDoc[] = [];
	const streams: { url: string; listeners: Map<string, (event: MessageEvent) => void>; closed: boolean }[] = [];
	const calls: string[] = [];
	const state = new BoardState(() => data, {
		reload: () => calls.push('reload'),
		removed: () => calls.push('removed'),
		wipe: async () => {
			calls.push('wipe');
		},
		openDocument: (name, wish, refused) => {
			const doc: FakeDoc = {
				name,
				wish,
				destroyed: false,
				forgotten: false,
				changeUndone: false,
				refused: (rule) => refused(rule ?? null)
			};
			opened.push(doc);
			return Object.assign(doc, {
				destroy: () => void (doc.destroyed = true),
				forget: async () => void (doc.forgotten = true)
			}) as unknown as LiveDoc;
		},
		openEvents: (url) => {
			const stream = { url, listeners: new Map(), closed: false };
			streams.push(stream);
			return {
				addEventListener: (name: string, listener: (event: MessageEvent) => void) =>
					stream.listeners.set(name, listener),
				close: () => void (stream.closed = true)
			} as unknown as EventStream;
		}
	});
	const stop = $effect.root(() => state.attach(() => `/c/${params.id}/events`));
	stops.push(stop);
	flushSync();
	return {
		state,
		opened,
		open: () => opened.filter((doc) => !doc.destroyed),
		streams,
		calls,
		stop,
		/** The page data is loaded again, as invalidateAll() does after a nudge. */
		reload(next: BoardPageData) {
			data = next;
			params = { id: 'conf-1' };
			flushSync();
		},
		send(name: 'status' | 'gone' | 'superseded', payload: object = {}) {
			streams.at(-1)!.listeners.get(name)!(new MessageEvent(name, { data: JSON.stringify(payload) }));
		}
	};
}

const stops: (() => void)[] = [];
afterEach(() => stops.splice(0).forEach((stop) => stop()));

const page = (board: Board, sharedDevice = false): BoardPageData => ({ waiting: false, board, sharedDevice });

describe('what the board shows', () => {
	it('shows the family its private time, the knock, the door and who may be removed', () => {
		const { state } = setUp(
			page(
				boardFor('family', 'private', {
					conference: { ...boardFor('family', 'private').conference, knocked: true },
					waiting: [{ id: 'p-x', name: 'Dennis', presence: 'video-visit', since: '', sameNameInside: false }]
				})
			)
		);
		expect(state.isFamily).toBe(true);
		expect(state.familyInPrivateTime).toBe(true);
		expect(state.statusOnly).toBe(false);
		expect(state.knockToAnswer).toBe(true);
		expect(state.doorRequests.map((r) => r.name)).toEqual(['Dennis']);
		expect(state.familyNames).toEqual(['Edith', 'Wim']);
		// Another family member's device, but not one's own and not a professional's.
		expect(state.board!.participants.filter((p) => state.canRemove(p)).map((p) => p.name)).toEqual(['Wim']);
		expect(state.can('knock')).toBe(false);
	});

	it('shows the family the circle to confirm and the requests to send a device away, only as the rule book allows', () => {
		const circle = [{ id: 'p-els', name: 'Tante Els', presence: 'room' as const }];
		const removals = [{ id: 'p-wim', name: 'Wim', by: 'Rik', mine: false }];
		const { state, reload } = setUp(page(boardFor('family', 'private', { circle, removals })));
		expect(state.circleToConfirm.map((d) => d.name)).toEqual(['Tante Els']);
		expect(state.removalRequests.map((r) => r.name)).toEqual(['Wim']);
		// Once private time is over nobody confirms devices any more; a removal is still answered.
		reload(page(boardFor('family', 'presentation', { circle, removals })));
		expect(state.circleToConfirm).toEqual([]);
		expect(state.removalRequests.map((r) => r.name)).toEqual(['Wim']);
		// Staff answer nothing, whatever the data holds.
		reload(page(boardFor('coordinator', 'information', { circle, removals })));
		expect(state.circleToConfirm).toEqual([]);
		expect(state.removalRequests).toEqual([]);
	});

	it('shows the coordinator in private time the status only, with a knock and nobody to remove', () => {
		const { state } = setUp(page(boardFor('coordinator', 'private')));
		expect(state.statusOnly).toBe(true);
		expect(state.familyInPrivateTime).toBe(false);
		expect(state.can('knock')).toBe(true);
		expect(state.knockToAnswer).toBe(false);
		expect(state.doorRequests).toEqual([]);
		expect(state.board!.participants.some((p) => state.canRemove(p))).toBe(false);
	});

	it('lets the coordinator remove a family device while she is with the family, not after', () => {
		const { state, reload } = setUp(page(boardFor('coordinator', 'information')));
		const wim = state.board!.participants.find((p) => p.name === 'Wim')!;
		expect(state.canRemove(wim)).toBe(true);
		expect(state.inviteOpen).toBe(true);
		reload(page(boardFor('coordinator', 'presentation')));
		expect(state.canRemove(wim)).toBe(false);
		expect(state.presenting).toBe(true);
		expect(state.inviteOpen).toBe(false);
	});

	it('shows nothing of a board while the member waits at the door', () => {
		const { state, open } = setUp({ waiting: true, title: 'Johan', circle: null });
		expect(state.board).toBeNull();
		expect(state.can('decide_at_door')).toBe(false);
		expect(state.doorRequests).toEqual([]);
		expect(open()).toEqual([]);
	});
});

describe('which documents are open', () => {
	it('opens what access allows, and does not reopen when a reload changes nothing about access', () => {
		const { state, opened, open, reload } = setUp(page(boardFor('family', 'information')));
		expect(open().map((doc) => [doc.name, doc.wish.access])).toEqual([
			['brief', 'write'],
			['plan', 'write']
		]);
		expect([state.brief, state.plan].every((doc) => doc !== null)).toBe(true);

		// Someone joined: new page data, the same access.
		reload(page(boardFor('family', 'information', { connectedFamily: 3, familyCount: 3 })));
		expect(opened).toHaveLength(2);
		expect(open()).toHaveLength(2);
	});

	it('reopens the brief read-only for the family in private time and keeps the plan open', () => {
		const { state, opened, open, reload } = setUp(page(boardFor('family', 'information')));
		const plan = state.plan;
		reload(page(boardFor('family', 'private')));
		expect(opened.map((doc) => [doc.name, doc.wish.access, doc.destroyed])).toEqual([
			['brief', 'write', true],
			['plan', 'write', false],
			['brief', 'read', false]
		]);
		expect(state.plan).toBe(plan);
		expect(open()).toHaveLength(2);
	});

	it('closes everything for the coordinator at the hand-over and opens nothing in private time', () => {
		const { state, opened, open, reload } = setUp(page(boardFor('coordinator', 'information')));
		expect(open().map((doc) => doc.name)).toEqual(['brief']);
		reload(page(boardFor('coordinator', 'private')));
		expect(open()).toEqual([]);
		expect(opened).toHaveLength(1);
		expect(state.brief).toBeNull();
		expect(state.plan).toBeNull();
	});

	it('keeps a copy only on a family member’s own device', () => {
		expect(setUp(page(boardFor('family', 'private'))).open()[0].wish).toMatchObject({
			keepOnDevice: true,
			storageKey: `conf-1:${ME}`
		});
		expect(setUp(page(boardFor('family', 'private'), true)).open()[0].wish.keepOnDevice).toBe(false);
		expect(setUp(page(boardFor('professional', 'presentation'))).open()[0].wish.keepOnDevice).toBe(false);
	});

	it('opens a document afresh after the server refused a change from this device, and says the change was undone', () => {
		const { state, opened, open } = setUp(page(boardFor('family', 'information')));
		const plan = opened.find((doc) => doc.name === 'plan')!;
		plan.refused();
		flushSync();
		expect(opened.map((doc) => [doc.name, doc.destroyed, doc.changeUndone])).toEqual([
			['brief', false, false],
			['plan', true, false],
			['plan', false, true]
		]);
		expect(state.plan).toMatchObject({ name: 'plan', destroyed: false, changeUndone: true });
		// A late word from the copy already replaced opens nothing more.
		plan.refused();
		flushSync();
		expect(opened).toHaveLength(3);
		expect(open()).toHaveLength(2);
	});

	it('opens the documents once a waiting member is let in, and closes them when the page goes', () => {
		const { open, reload, stop } = setUp({ waiting: true, title: 'Johan', circle: null });
		reload(page(boardFor('family', 'private')));
		expect(open().map((doc) => doc.name)).toEqual(['brief', 'plan']);
		stop();
		expect(open()).toEqual([]);
	});
});

describe('the live status', () => {
	it('reloads on every nudge but a first one that matches the loaded phase', () => {
		const { streams, calls, send } = setUp(page(boardFor('family', 'private')));
		expect(streams.map((s) => s.url)).toEqual(['/c/conf-1/events']);
		send('status', { phase: 'private', status: 'active', connectedFamily: 2 });
		expect(calls).toEqual([]);
		send('status', { phase: 'private', status: 'active', connectedFamily: 3 });
		expect(calls).toEqual(['reload']);
	});

	it('reloads at once when the phase moved on before the stream opened', () => {
		const { calls, send } = setUp(page(boardFor('coordinator', 'information')));
		send('status', { phase: 'private', status: 'active', connectedFamily: 0 });
		expect(calls).toEqual(['reload']);
	});

	it('does not open a second stream when the page data is reloaded', () => {
		const { streams, reload } = setUp(page(boardFor('family', 'private')));
		reload(page(boardFor('family', 'presentation')));
		expect(streams).toHaveLength(1);
	});

	it('wipes the device before leaving it, once the member is removed', async () => {
		const { streams, calls, send } = setUp(page(boardFor('family', 'private')));
		send('gone');
		await Promise.resolve();
		await Promise.resolve();
		expect(streams[0].closed).toBe(true);
		expect(calls).toEqual(['wipe', 'removed']);
	});

	it('a device at the door reloads only once its own status changes', () => {
		const { streams, calls, send } = setUp({ waiting: true, title: 'Johan', circle: null });
		send('status', { status: 'waiting' });
		expect(calls).toEqual([]);
		send('status', { phase: 'private', status: 'active', connectedFamily: 3 });
		expect(calls).toEqual(['reload']);
		expect(streams[0].closed).toBe(false);
	});

	it('stops for good when a newer page of this device takes the stream’s place', () => {
		const { streams, calls, send } = setUp(page(boardFor('family', 'private')));
		send('superseded');
		expect(streams[0].closed).toBe(true);
		expect(calls).toEqual([]);
	});

	it('stops listening when the page goes', () => {
		const { streams, stop } = setUp(page(boardFor('family', 'private')));
		stop();
		expect(streams[0].closed).toBe(true);
	});
});

describe('leaving', () => {
	it('deletes the open documents’ copies and every other Kring copy on the device', async () => {
		const { state, open, calls } = setUp(page(boardFor('family', 'private')));
		await state.forgetDevice();
		expect(open().map((doc) => doc.forgotten)).toEqual([true, true]);
		expect(calls).toEqual(['wipe']);
	});
});
