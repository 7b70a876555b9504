/**
 * The steps people take in Kring, over its real routes: the first coordinator account from the
 * setup link, a conference, family members joining (invite link or room code), a professional
 * invited and registered, phase moves, acceptance, removal. Each step throws with the server's
 * answer when it does not succeed, so a test's setup fails where it went wrong.
 */
import { randomBytes } from 'node:crypto';
import type * as Y from 'yjs';
import type { Phase, Role } from '../../src/lib/conference/phases';
import { planFingerprint } from '../../src/lib/plan/fingerprint';
import { isoDate, todayIn, CONFERENCE_TIME_ZONE } from '../../src/lib/plan/readiness';
import { metaText, planAgreements, type Author } from '../../src/lib/plan/shape';
import { addAgreement } from './edits';
import { Browser, expectAction, type ServerAddress } from './http-client';
import { includesState, openDoc, waitUntil } from './yjs-client';

export const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** The board of a conference as one viewer sees it. */
export type Board = {
	conference: {
		id: string;
		title: string;
		phase: Phase;
		question: string | null;
		knocked: boolean;
		/** When the family answered a knock with "not yet" (for whoever may knock). */
		notYetAt: string | null;
	};
	me: { participantId: string; name: string; role: string; status: string };
	access: { brief: string; plan: string };
	actions: string[];
	retention: { days: number; erasesOn: string | null; latest: boolean };
	transitions: Phase[];
	participants: { id: string; name: string; role: string; presence: string; connected: boolean }[];
	waiting: { id: string; name: string; presence: string }[];
	/** The family's devices nobody has confirmed since the hand-over (for a device that may confirm them). */
	circle: { id: string; name: string; presence: string }[];
	/** Requests of one family device to send another away, waiting for a second one to agree. */
	removals: { id: string; name: string; by: string; mine: boolean }[];
	invite: { roomCode: string; joinUrl: string } | null;
	accepted: ({ version: number; sha256: string } & Record<string, unknown>) | null;
	audit: { at: string; actor: string; actorRole: string; action: string; detail: string }[];
	/** Open questions professionals put on agreement cards (docs/design.md §7). */
	questions: { id: string; agreementId: string; by: string; reason: string; mine: boolean }[];
	/** Which professionals accepted the presented plan. */
	acceptances: { name: string; accepted: boolean; me: boolean }[];
};

export type BoardPage = {
	member: { role: string; status: string; name: string; participantId: string };
	waiting: boolean;
	/** For a device that waits to be confirmed after the hand-over: the rest of the circle. */
	circle?: { alone: boolean; others: { id: string; name: string; presence: string; status: string }[] } | null;
	board?: Board;
};

export async function boardData(client: Browser, conferenceId: string): Promise<BoardPage> {
	const page = await client.pageData<BoardPage>(`/c/${conferenceId}`);
	if (page.status !== 200) throw new Error(`board of ${conferenceId}: HTTP ${page.status}`);
	return page.data;
}

/** Who `client` is in the conference, as the server stamps a brief item it writes (docs/design.md §3, item 7). */
export async function authorIn(client: Browser, conferenceId: string): Promise<Author> {
	const { member } = await boardData(client, conferenceId);
	return { participantId: member.participantId, role: member.role as Role, name: member.name };
}

export type Account = { name: string; email: string; password: string };
export type Staff = Account & { client: Browser };

/** Opens the one-time setup link and makes the first coordinator account (signed in). */
export async function createCoordinator(
	server: ServerAddress & { setupPath: string | null },
	who: Partial<Account> = {}
): Promise<Staff> {
	if (!server.setupPath) throw new Error('the server printed no setup link (an account exists already)');
	const account = {
		name: who.name ?? 'Carla Coördinator',
		email: who.email ?? `${unique('carla')}@kring.test`,
		password: who.password ?? 'correct horse battery'
	};
	const client = new Browser(server, account.name);
	expectAction(await client.action(server.setupPath, 'default', account), 'redirect');
	return { client, ...account };
}

export async function signIn(server: ServerAddress, email: string, password: string): Promise<Browser> {
	const client = new Browser(server, email);
	expectAction(await client.action('/login', 'default', { email, password }), 'redirect');
	return client;
}

/** Creates a conference as `coordinator`; returns its id. */
export async function createConference(
	coordinator: Browser,
	input: { title?: string; question?: string } = {}
): Promise<string> {
	const { location } = expectAction(
		await coordinator.action('/staff', 'create', {
			title: input.title ?? 'Conferentie familie De Vries',
			question: input.question ?? 'Hoe zorgen we ervoor dat Noor veilig thuis kan blijven wonen?'
		}),
		'redirect'
	);
	return conferenceIdIn(location, 'create conference');
}

/** The short room code the coordinator reads out (formatted ABCD-EFGH). */
export async function roomCodeOf(coordinator: Browser, conferenceId: string): Promise<string> {
	const code = (await boardData(coordinator, conferenceId)).board?.invite?.roomCode;
	if (!code) throw new Error(`room code of ${conferenceId}: the board shows none`);
	return code;
}

export type FamilyMember = {
	client: Browser;
	name: string;
	participantId: string;
	status: string;
	conferenceId: string;
};

export type JoinOptions = { presence?: 'room' | 'remote' | 'video-visit'; sharedDevice?: boolean };

/**
 * A family member joins on a new device by typing the room code and a name. Twenty wrong codes
 * from one address stop that address for 10 minutes.
 */
export function joinAsFamily(
	server: ServerAddress,
	roomCode: string,
	name: string,
	options: JoinOptions = {}
): Promise<FamilyMember> {
	return join(server, `/join/${encodeURIComponent(roomCode)}`, name, options);
}

/** A family member joins by the invite link the coordinator sent (a full URL or a path). */
export function joinByLink(
	server: ServerAddress,
	link: string,
	name: string,
	options: JoinOptions = {}
): Promise<FamilyMember> {
	return join(server, new URL(link, server.url).pathname, name, options);
}

async function join(server: ServerAddress, path: string, name: string, options: JoinOptions): Promise<FamilyMember> {
	const client = new Browser(server, name);
	const fields: Record<string, string> = { displayName: name, presence: options.presence ?? 'room' };
	if (options.sharedDevice) fields.sharedDevice = 'on';
	const { location } = expectAction(await client.action(path, 'default', fields), 'redirect');
	const conferenceId = conferenceIdIn(location, `join as ${name}`);
	const { member } = await boardData(client, conferenceId);
	return { client, name, participantId: member.participantId, status: member.status, conferenceId };
}

/** The coordinator makes a new family invite link (to send by message); returns the full URL. */
export async function inviteFamily(coordinator: Browser, conferenceId: string): Promise<string> {
	const { data } = expectAction(await coordinator.action(`/c/${conferenceId}`, 'familyInvite'), 'success');
	return String(data?.link);
}

/** The coordinator invites a professional by name and email; returns the invite link. */
export async function inviteProfessional(
	coordinator: Browser,
	conferenceId: string,
	who: { name: string; email: string }
): Promise<string> {
	const { data } = expectAction(await coordinator.action(`/c/${conferenceId}`, 'professionalInvite', who), 'success');
	return String(data?.link);
}

/** A professional without an account opens the invite link and registers; signed in afterwards. */
export async function registerProfessional(
	server: ServerAddress,
	link: string,
	who: { name: string; password?: string }
): Promise<{ client: Browser; conferenceId: string }> {
	const client = new Browser(server, who.name);
	const { location } = expectAction(
		await client.action(new URL(link, server.url).pathname, 'register', {
			name: who.name,
			password: who.password ?? 'a long professional password'
		}),
		'redirect'
	);
	return { client, conferenceId: conferenceIdIn(location, 'register professional') };
}

/**
 * Asks for a phase change; throws when the server refuses it. Ending private time needs a plan
 * that is ready (docs/design.md §1): when the server names what it lacks, the family fills that
 * in first, as its checklist asks, and says "Wij zijn klaar" again.
 */
export async function changePhase(client: Browser, conferenceId: string, to: Phase): Promise<void> {
	const reply = await client.action(`/c/${conferenceId}`, 'phase', { to });
	if (to !== 'presentation' || reply.action?.data?.error !== 'plan_not_ready') {
		expectAction(reply, 'success');
		return;
	}
	await readyThePlan(client, conferenceId);
	expectAction(await client.action(`/c/${conferenceId}`, 'phase', { to }), 'success');
}

/**
 * A family member completes the plan over a live connection (`completeThePlan`) and waits until
 * the server holds it: a fresh connection then receives all of it.
 */
export async function readyThePlan(family: Browser, conferenceId: string): Promise<void> {
	const writer = openDoc(family, conferenceId, 'plan');
	try {
		await writer.synced;
		completeThePlan(writer.doc);
		await waitUntil(async () => {
			const reader = openDoc(family, conferenceId, 'plan');
			try {
				await reader.synced;
				return includesState(reader.doc, writer.doc);
			} finally {
				reader.destroy();
			}
		}, 'the server to hold the completed plan');
	} finally {
		writer.destroy();
	}
}

/** A date `days` after today where the conference is, as the board's date field writes it. */
export function daysFromToday(days: number): string {
	const [y, m, d] = todayIn(CONFERENCE_TIME_ZONE).split('-').map(Number);
	return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/**
 * A family member writes what the plan still needs to be ready, and only that: an agreement when
 * there is none, an evaluation date after today, an answer to "what if it goes differently".
 */
export function completeThePlan(doc: Y.Doc): void {
	doc.transact(() => {
		if (planAgreements(doc).length === 0)
			addAgreement(doc, 'Oma haalt Johan op woensdag op.', { who: ['Oma'], when: 'elke woensdag' });
		const evaluation = metaText(doc, 'evaluation');
		const date = isoDate(evaluation.toString());
		if (date === null || date <= todayIn(CONFERENCE_TIME_ZONE)) {
			evaluation.delete(0, evaluation.length);
			evaluation.insert(0, daysFromToday(42));
		}
		const contingency = metaText(doc, 'contingency');
		if (contingency.toString().trim() === '') contingency.insert(0, 'Dan bellen we de coördinator.');
	});
}

/**
 * The coordinator hands over (information → private) and the family confirms its circle, as it
 * does in the room (docs/design.md §6).
 */
export async function handOver(coordinator: Browser, conferenceId: string, family: FamilyMember[]): Promise<void> {
	await changePhase(coordinator, conferenceId, 'private');
	await confirmCircle(conferenceId, family);
}

/**
 * After the hand-over each family device is confirmed by the one after it (the last by the
 * first); a lone device confirms itself, with its statement that it is the only one.
 */
export async function confirmCircle(conferenceId: string, family: FamilyMember[]): Promise<void> {
	const path = `/c/${conferenceId}`;
	if (family.length === 1) {
		const [alone] = family;
		const fields = { participantId: alone.participantId, alone: 'yes' };
		expectAction(await alone.client.action(path, 'confirm', fields), 'success');
		return;
	}
	for (const [i, device] of family.entries()) {
		const by = family[(i + 1) % family.length];
		expectAction(await by.client.action(path, 'confirm', { participantId: device.participantId }), 'success');
	}
}

/**
 * The planFingerprint of the plan as `client` sees it, read live over its own socket, the way the
 * board computes it at the moment of accepting.
 */
export async function seenPlan(client: Browser, conferenceId: string): Promise<string> {
	const live = openDoc(client, conferenceId, 'plan');
	try {
		await live.synced;
		return planFingerprint(live.doc);
	} finally {
		live.destroy();
	}
}

/** The professional or coordinator accepts the plan they see; returns the frozen version's number. */
export async function acceptPlan(client: Browser, conferenceId: string, conditions = ''): Promise<number> {
	const seen = await seenPlan(client, conferenceId);
	const { data } = expectAction(await client.action(`/c/${conferenceId}`, 'accept', { conditions, seen }), 'success');
	return Number(data?.version);
}

export async function removeParticipant(client: Browser, conferenceId: string, participantId: string): Promise<void> {
	expectAction(await client.action(`/c/${conferenceId}`, 'remove', { participantId }), 'success');
}

/**
 * A new conference of `coordinator` with these family members in it (before private time). They
 * join by the family invite link; the walking skeleton joins by code.
 */
export async function conferenceWithFamily(
	server: ServerAddress,
	coordinator: Browser,
	names: string[],
	conference: { title?: string; question?: string } = {}
): Promise<{ conferenceId: string; roomCode: string; familyLink: string; family: FamilyMember[] }> {
	const conferenceId = await createConference(coordinator, conference);
	const roomCode = await roomCodeOf(coordinator, conferenceId);
	const familyLink = await inviteFamily(coordinator, conferenceId);
	const family: FamilyMember[] = [];
	for (const name of names) family.push(await joinByLink(server, familyLink, name));
	return { conferenceId, roomCode, familyLink, family };
}

function conferenceIdIn(location: string | undefined, step: string): string {
	const id = /^\/c\/([a-z0-9]+)$/.exec(location ?? '')?.[1];
	if (!id) throw new Error(`${step}: unexpected redirect to ${location}`);
	return id;
}
