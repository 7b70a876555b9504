import { untrack } from 'svelte';
import { LiveDoc, wipeDevice } from '$lib/collab/live-doc.svelte';
import type { Action } from '$lib/conference/permissions';
import type { DocumentName } from '$lib/conference/phases';
import type { Board, Circle } from '$lib/server/board';

/**
 * What the board page's load returns: the board, or the door for someone who still waits there;
 * `circle` is set for a device that waits to be confirmed after the hand-over.
 */
export type BoardPageData =
	| { waiting: true; title: string; circle: Circle | null }
	| { waiting: false; board: Board; sharedDevice: boolean };

/** How one document is to be open on this device. */
export type DocumentWish = {
	conferenceId: string;
	access: 'read' | 'write';
	/** Kept in IndexedDB, on a family member's own device, so edits survive a reload. */
	keepOnDevice: boolean;
	storageKey: string;
};
export type DocumentWishes = Record<DocumentName, DocumentWish | null>;
/**
 * `onRefused`: the server refused a change from this device (for `rule`, when it said) and its
 * copy is gone; open the document afresh.
 */
export type OpenDocument = (
	name: DocumentName,
	wish: DocumentWish,
	onRefused: (rule: string | null) => void
) => LiveDoc;

const openLiveDoc: OpenDocument = (name, wish, onRefused) =>
	new LiveDoc(wish.conferenceId, name, wish.access, {
		keepOnDevice: wish.keepOnDevice,
		storageKey: wish.storageKey,
		onRefused
	});

function keyOf(wish: DocumentWish | null, opened: number): string | null {
	return wish && JSON.stringify([wish.conferenceId, wish.access, wish.keepOnDevice, wish.storageKey, opened]);
}

/**
 * The live documents this device has open. A document opens when it is wished for (the page
 * wishes only what access() allows) and closes when it no longer is. It is closed and opened
 * again only when the wish itself changes (a reload of the page data that changes nothing about
 * access keeps the sockets as they are), or from the server's copy when the server refused a
 * change from this device.
 */
export class LiveDocuments {
	brief = $state<LiveDoc | null>(null);
	plan = $state<LiveDoc | null>(null);
	readonly #wishes: () => DocumentWishes;
	readonly #open: OpenDocument;
	/** Documents to be opened next after a refused change: the new copy says the change was undone. */
	readonly #afterRefusal: Record<DocumentName, { rule: string | null } | null> = { brief: null, plan: null };
	/** How often each document was opened afresh after the server refused a change from this device. */
	readonly #refusals = $state({ brief: 0, plan: 0 });
	// Only these strings decide whether a document is open.
	readonly #briefKey = $derived.by(() => keyOf(this.#wishes().brief, this.#refusals.brief));
	readonly #planKey = $derived.by(() => keyOf(this.#wishes().plan, this.#refusals.plan));

	constructor(wishes: () => DocumentWishes, open: OpenDocument = openLiveDoc) {
		this.#wishes = wishes;
		this.#open = open;
	}

	/** Keeps the documents open as wished for as long as the calling component lives (call it there). */
	attach(): void {
		$effect(() => this.#follow('brief', this.#briefKey));
		$effect(() => this.#follow('plan', this.#planKey));
	}

	#follow(name: DocumentName, key: string | null): (() => void) | undefined {
		const afterRefusal = this.#afterRefusal[name];
		this.#afterRefusal[name] = null;
		if (key === null) return;
		const wish = untrack(() => this.#wishes()[name]);
		if (!wish) return;
		// Only the copy that is open now may ask to be replaced, and only once.
		let current = true;
		const doc = untrack(() =>
			this.#open(name, wish, (rule) => {
				if (!current) return;
				current = false;
				this.#afterRefusal[name] = { rule };
				this.#refusals[name]++;
			})
		);
		if (afterRefusal) {
			doc.changeUndone = true;
			doc.undoneBecause = afterRefusal.rule;
		}
		this[name] = doc;
		return () => {
			current = false;
			this[name] = null;
			doc.destroy();
		};
	}

	/** Deletes this device's copies of the open documents (leaving the conference). */
	async forget(): Promise<void> {
		await Promise.all([this.brief?.forget(), this.plan?.forget()]);
	}
}

/**
 * The nudge the events endpoint sends whenever something about the conference changes. A device
 * waiting at the door hears its own status only, without the phase or the family count.
 */
export type StatusNudge = { status: string; phase?: string; connectedFamily?: number };
/** Why a member lost their place: removed or declined, or the whole conference was erased. */
export type GoneInfo = { erased: boolean };
export type EventStream = Pick<EventSource, 'addEventListener' | 'close'>;
export type OpenEvents = (url: string) => EventStream;

const openEventSource: OpenEvents = (url) => new EventSource(url);

/**
 * Follows the conference's live status (phase, door, knock, people): `status` gets every nudge,
 * marked `first` for the one the stream opens with; `gone` is called once when this member has
 * lost their place, after the stream is closed. Returns the function that stops following.
 */
export function followStatus(
	url: string,
	handlers: { status: (nudge: StatusNudge, first: boolean) => void; gone?: (info: GoneInfo) => void },
	open: OpenEvents = openEventSource
): () => void {
	const source = open(url);
	let first = true;
	source.addEventListener('status', (event) => {
		const nudge = JSON.parse((event as MessageEvent).data) as StatusNudge;
		handlers.status(nudge, first);
		first = false;
	});
	source.addEventListener('gone', (event) => {
		source.close();
		handlers.gone?.({ erased: readGone((event as MessageEvent).data).erased === true });
	});
	// A newer page of the same device took this stream's place: reconnecting would only push that one out.
	source.addEventListener('superseded', () => source.close());
	return () => source.close();
}

function readGone(data: unknown): { erased?: unknown } {
	try {
		return (JSON.parse(String(data)) as { erased?: unknown } | null) ?? {};
	} catch {
		return {};
	}
}

export type BoardStateOptions = {
	/** Loads the page data again (SvelteKit's `invalidateAll`); access() filters what comes back. */
	reload: () => unknown;
	/** Where a device goes once it has been removed from the conference and wiped. */
	removed: (info: GoneInfo) => unknown;
	openDocument?: OpenDocument;
	openEvents?: OpenEvents;
	wipe?: () => Promise<void>;
};

/**
 * Everything the board page knows beyond its data: the live documents, the live status, and the
 * facts its parts are drawn from. What a viewer may do comes from `board.actions` (the rule book
 * in `$lib/conference/permissions`); nothing here restates a rule of who may do what.
 */
export class BoardState {
	readonly #data: () => BoardPageData;
	readonly #options: BoardStateOptions;
	readonly documents: LiveDocuments;

	/** The board, or null while this member waits at the door. */
	readonly board = $derived.by(() => {
		const data = this.#data();
		return data.waiting ? null : data.board;
	});
	readonly sharedDevice = $derived.by(() => {
		const data = this.#data();
		return !data.waiting && data.sharedDevice;
	});
	readonly phase = $derived(this.board?.conference.phase ?? null);
	/** A family member has a device session, not an account: they leave instead of going to the staff page. */
	readonly isFamily = $derived(this.board?.me.role === 'family');
	/** The family's own time: the banner that says so, and who is in, open at once. */
	readonly familyInPrivateTime = $derived(this.isFamily && this.phase === 'private');
	/** Nothing of the content may reach this viewer now: the phase, a clock and a count only. */
	readonly statusOnly = $derived(
		this.board !== null && this.board.access.brief === 'none' && this.board.access.plan === 'none'
	);
	readonly knockToAnswer = $derived(this.can('answer_knock') && this.board?.conference.knocked === true);
	readonly doorRequests = $derived(this.can('decide_at_door') ? (this.board?.waiting ?? []) : []);
	/** The devices of the family's circle nobody has confirmed since the hand-over. */
	readonly circleToConfirm = $derived(this.can('confirm_device') ? (this.board?.circle ?? []) : []);
	/** Requests of one family device to send another away, for a second one to answer. */
	readonly removalRequests = $derived(this.can('answer_removal') ? (this.board?.removals ?? []) : []);
	/** The invite panel starts open while the coordinator is still with the family in the room. */
	readonly inviteOpen = $derived(this.phase === 'preparation' || this.phase === 'information');
	readonly presenting = $derived(this.phase === 'presentation');
	/** The family's names, offered as chips for "who" in an agreement. */
	readonly familyNames = $derived(
		(this.board?.participants ?? []).filter((p) => p.role === 'family').map((p) => p.name)
	);
	readonly brief = $derived.by(() => this.documents.brief);
	readonly plan = $derived.by(() => this.documents.plan);
	/** A live document that should be open has lost its connection (not one the server closed on purpose). */
	readonly connectionLost = $derived(
		[this.brief, this.plan].some((doc) => doc !== null && doc.closedBy === null && doc.link === 'offline')
	);

	constructor(data: () => BoardPageData, options: BoardStateOptions) {
		this.#data = data;
		this.#options = options;
		this.documents = new LiveDocuments(() => this.#wishes(), options.openDocument);
	}

	#wishes(): DocumentWishes {
		const board = this.board;
		if (!board) return { brief: null, plan: null };
		const base = {
			conferenceId: board.conference.id,
			keepOnDevice: this.isFamily && !this.sharedDevice,
			storageKey: `${board.conference.id}:${board.me.participantId}`
		};
		const { brief, plan } = board.access;
		return {
			brief: brief === 'none' ? null : { ...base, access: brief },
			plan: plan === 'none' ? null : { ...base, access: plan }
		};
	}

	/** Whether the rule book lets this viewer take the action now. */
	can(action: Action): boolean {
		return this.board?.actions.includes(action) ?? false;
	}

	/** A device can be removed by whoever may remove devices, if it is a family member's and not one's own. */
	canRemove(person: { id: string; role: string }): boolean {
		return this.can('remove_device') && person.role === 'family' && person.id !== this.board?.me.participantId;
	}

	/**
	 * Keeps the documents and the live status going for as long as the calling component lives
	 * (call it there). Any nudge after the first reloads the page data, and so does a first one
	 * whose phase is not the one the page was loaded in.
	 */
	attach(eventsUrl: () => string): void {
		this.documents.attach();
		// A string: a reload that hands over equal route params must not reconnect the stream.
		const url = $derived(eventsUrl());
		$effect(() => {
			const current = url;
			return untrack(() => this.listen(current));
		});
	}

	listen(url: string): () => void {
		return followStatus(
			url,
			{
				status: (nudge, first) => {
					if (!first || (nudge.phase ?? null) !== this.phase) void this.#options.reload();
				},
				gone: async (info) => {
					// Removed, turned away or erased: nothing of the conference stays on this device.
					await (this.#options.wipe ?? wipeDevice)();
					await this.#options.removed(info);
				}
			},
			this.#options.openEvents
		);
	}

	/** Leaving: this device's copies are deleted before the session ends. */
	async forgetDevice(): Promise<void> {
		await this.documents.forget();
		await (this.#options.wipe ?? wipeDevice)();
	}
}
