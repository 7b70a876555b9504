/**
 * The conference every attack in this suite is aimed at: set up as people do, with content
 * typed by real y-websocket clients, and with markers in everything that must stay with the
 * family, so that finding a marker in what an attacker received is a leak.
 */
import { randomBytes } from 'node:crypto';
import { found } from '../support/found';
import { Browser, expectAction } from '../support/http-client';
import { openRawSocket } from '../support/raw-socket';
import type { KringForThisFile } from '../support/server';
import {
	boardData,
	changePhase,
	createConference,
	inviteFamily,
	inviteProfessional,
	joinAsFamily,
	joinByLink,
	registerProfessional,
	roomCodeOf,
	authorIn
} from '../support/steps';
import { addAgreement, addCondition, addConcern, appendToField } from '../support/edits';
import { docBytes, docFromMessages, syncStep1 } from '../support/y-messages';
import { waitUntil, type LiveDoc } from '../support/yjs-client';
import type { DocumentName, Phase } from '../../src/lib/conference/phases';

export type Seeded = Awaited<ReturnType<typeof seedConference>>;

/**
 * Sets up a conference of the file's coordinator as people would: the conference, a professional
 * through an invite, two family members (Anna by invite link, Bram by room code), the information
 * phase, and content typed into the brief and the plan by y-websocket clients. Everything the
 * family types starts with `secret`; everything in the brief with `brief`; names that must stay
 * in the family with `names`: all three are forbidden to staff in private time.
 */
export async function seedConference({ server, coordinator: account, docs }: KringForThisFile) {
	const run = randomBytes(4).toString('hex');
	const secret = `SECRET${run}`;
	const brief = `BRIEF${run}`;
	const names = `NAME${run}`;
	let counter = 0;
	const next = (prefix: string, label: string) => `${prefix}-${label}-${++counter}-${randomBytes(3).toString('hex')}`;
	// Staff share one password, so a test can sign any of them in again.
	const password = account.password;
	const coordinator = account.client;

	const id = await createConference(coordinator, {
		title: 'Familie Jansen',
		question: 'Hoe kan Sem veilig thuis opgroeien?'
	});
	const professionalLink = await inviteProfessional(coordinator, id, {
		name: 'Pia Professional',
		email: 'pia@example.org'
	});
	const professional = (await registerProfessional(server, professionalLink, { name: 'Pia Professional', password }))
		.client;
	const familyLink = await inviteFamily(coordinator, id);
	const roomCode = await roomCodeOf(coordinator, id);
	const anna = (await joinByLink(server, familyLink, 'Anna', { presence: 'room' })).client;
	const bram = (await joinAsFamily(server, roomCode, 'Bram', { presence: 'remote' })).client;
	await changePhase(coordinator, id, 'information');

	/** Anna's and Bram's open documents, which close at the hand-over until the circle is confirmed. */
	const familyDocs: LiveDoc[] = [];
	const familySessions = [anna.session, bram.session];
	const open = (browser: Browser, document: DocumentName): LiveDoc => {
		const live = docs.open(browser, id, document);
		if (!familySessions.includes(browser.session)) return live;
		familyDocs.push(live);
		const destroy = live.destroy;
		live.destroy = () => {
			familyDocs.splice(familyDocs.indexOf(live), 1);
			destroy();
		};
		return live;
	};
	/** Anna confirms every other device of the circle and Bram confirms Anna; false when nobody waited. */
	const confirmCircle = async (): Promise<boolean> => {
		const { member } = await boardData(anna, id);
		if (member.status !== 'unconfirmed') return false;
		expectAction(await anna.action(`/c/${id}`, 'confirm', { all: 'yes' }), 'success');
		expectAction(await bram.action(`/c/${id}`, 'confirm', { participantId: member.participantId }), 'success');
		return true;
	};
	/**
	 * Opens the family's documents again once they are confirmed, as the board does when its data
	 * says it may read them again (the server closed them with a final close code, so the provider stopped).
	 */
	const reconnectFamily = async () => {
		for (const live of familyDocs) live.provider.connect();
		await waitUntil(() => familyDocs.every((live) => live.provider.synced), "the family's documents to be back");
	};
	/**
	 * Called before a hand-over; what it returns confirms the family's circle once the family's
	 * documents have closed, and opens them again (nothing when no device waited).
	 */
	const familyBackAfterHandOver = () => {
		const open = [...familyDocs];
		const closesBefore = open.map((live) => live.closeEvents.length);
		return async () => {
			if (!(await confirmCircle())) return;
			await waitUntil(
				() => open.every((live, i) => live.closeEvents.length > closesBefore[i]),
				"the family's documents to close at the hand-over"
			);
			await reconnectFamily();
		};
	};

	const conference = {
		server,
		id,
		roomCode,
		familyLink,
		familyInviteToken: tokenIn(familyLink, /\/j\/([a-z2-7]+)$/),
		professionalToken: tokenIn(professionalLink, /\/invite\/([a-z2-7]+)$/),
		password,
		coordinator,
		professional,
		anna,
		bram,
		/** Prefixes: any occurrence in what staff receive in private time is a leak. */
		secret,
		brief,
		names,
		newSecret: (label: string) => next(secret, label),
		newBrief: (label: string) => next(brief, label),
		newName: (label: string) => next(names, label),
		participantId: async (browser: Browser) =>
			(await browser.pageData<{ member: { participantId: string } }>(`/c/${id}`)).data.member.participantId,
		/** Opens a live document as `browser`; the file closes it at the end (Anna's and Bram's come back after the hand-over). */
		open,
		/**
		 * Moves the conference on. After the hand-over the family confirms its circle, as it does in
		 * the room, and its open documents come back once confirmed.
		 */
		async phase(by: Browser, to: Phase) {
			const familyBack = familyBackAfterHandOver();
			await changePhase(by, id, to);
			if (to === 'private') await familyBack();
		},
		familyBackAfterHandOver,
		confirmCircle,
		reconnectFamily,
		currentPhase: async (): Promise<string> => (await boardData(anna, id)).board!.conference.phase
	};

	// Information phase: staff write the brief; the family answers in the brief and starts the plan.
	const coordinatorBrief = conference.open(coordinator, 'brief');
	const professionalBrief = conference.open(professional, 'brief');
	const annaPlan = conference.open(anna, 'plan');
	const annaBrief = conference.open(anna, 'brief');
	const bramPlan = conference.open(bram, 'plan');
	await Promise.all([coordinatorBrief, professionalBrief, annaPlan, annaBrief, bramPlan].map((live) => live.synced));
	const briefTexts = [conference.newBrief('concern-by-coordinator'), conference.newBrief('condition-by-professional')];
	const authors = { coordinator: await authorIn(coordinator, id), professional: await authorIn(professional, id) };
	addConcern(coordinatorBrief.doc, briefTexts[0], authors.coordinator, 'upbringing');
	addCondition(professionalBrief.doc, briefTexts[1], authors.professional, 'other');
	const familyBrief = conference.newSecret('brief-by-family');
	addConcern(annaBrief.doc, familyBrief, await authorIn(anna, id), 'upbringing');
	const planTexts = [conference.newSecret('agreement'), conference.newSecret('contingency')];
	addAgreement(annaPlan.doc, planTexts[0], { theme: 'housing' });
	appendToField(bramPlan.doc, 'contingency', planTexts[1]);
	await waitUntil(
		() => annaBrief.has(briefTexts[0]) && annaBrief.has(briefTexts[1]) && coordinatorBrief.has(familyBrief),
		'the brief to converge'
	);
	await waitUntil(() => annaPlan.has(planTexts[1]) && bramPlan.has(planTexts[0]), 'the plan to converge');
	// Staff close their board; the family keeps theirs open.
	coordinatorBrief.destroy();
	professionalBrief.destroy();
	return {
		...conference,
		annaPlan,
		annaBrief,
		bramPlan,
		briefTexts,
		planTexts: [...planTexts, familyBrief],
		/** Who the server knows the staff to be, for brief items they write (docs/design.md §3, item 7). */
		authors
	};
}

/**
 * After every attack: the server answers, and the family still works together. Anna types a new
 * agreement and Bram's device receives it through the server (once the plan is frozen, Bram
 * still reads it).
 */
export async function assertFamilyStillSyncs(conference: Seeded): Promise<void> {
	const home = await new Browser(conference.server).get('/').catch((error: Error) => {
		throw new Error(`the server does not answer (${error.message}):\n${conference.server.logs().slice(-2000)}`);
	});
	if (home.status !== 200) throw new Error(`GET / answered ${home.status}`);
	if (['accepted', 'closed'].includes(await conference.currentPhase())) {
		// The plan is frozen: the family still reads it from the server.
		const socket = await openRawSocket(conference.bram, conference.id, 'plan');
		socket.send(syncStep1());
		await waitUntil(
			() => found(docBytes(docFromMessages(socket.messages)), [conference.planTexts[0]]).length === 1,
			'Bram to read the frozen plan'
		);
		await socket.close();
		return;
	}
	const text = conference.newSecret('still-syncing');
	addAgreement(conference.annaPlan.doc, text, { theme: 'housing' });
	await waitUntil(() => conference.bramPlan.has(text), 'Bram to receive what Anna typed');
}

function tokenIn(link: string, pattern: RegExp): string {
	const token = pattern.exec(link)?.[1];
	if (!token) throw new Error(`no token in ${link}`);
	return token;
}
