import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { addAgreement } from '../support/edits';
import { found } from '../support/found';
import { Browser, expectAction, type Reply } from '../support/http-client';
import { openRawSocket } from '../support/raw-socket';
import { kringForThisFile } from '../support/server';
import {
	createConference,
	inviteProfessional,
	joinAsFamily,
	joinByLink,
	readyThePlan,
	registerProfessional,
	seenPlan
} from '../support/steps';
import { docBytes, docFromMessages, syncStep1 } from '../support/y-messages';
import { waitUntil } from '../support/yjs-client';
import { checkReply, concretePaths, routeTree, walkEveryRoute } from './every-route';
import { assertFamilyStillSyncs, seedConference, type Seeded } from './seeded-conference';

const PHASES = ['preparation', 'information', 'private', 'presentation', 'accepted', 'closed'];

/**
 * Private time ("besloten gedeelte"): the coordinator and the professional get nothing of the
 * plan or the brief from the server, by any door. Each attack below is what an insider with a
 * staff session, curiosity and a terminal would try.
 */
describe('staff get nothing in private time', () => {
	const kring = kringForThisFile();
	let conference: Seeded;
	/** A professional of another conference: no place in this one, whatever the phase. */
	let outsider: Browser;
	let waitingId: string;
	let annaId: string;
	let admittedName: string;

	/** Everything that must not reach staff in private time. */
	const forbidden = () => [conference.secret, conference.brief, conference.names];
	const staff = () => [
		{ who: 'coordinator', browser: conference.coordinator },
		{ who: 'professional', browser: conference.professional },
		{ who: 'outsider professional', browser: outsider }
	];

	function expectNothingLeaked(who: string, what: string, reply: Pick<Reply, 'status' | 'headers' | 'text'>) {
		expect(checkReply(who, what, reply, forbidden())).toEqual([]);
	}

	beforeAll(async () => {
		conference = await seedConference(kring);
		const { coordinator, id } = conference;

		// A second conference of the same coordinator, with its own professional.
		const other = await createConference(coordinator, { title: 'Familie de Vries', question: 'Wie helpt?' });
		const invite = await inviteProfessional(coordinator, other, { name: 'Otto Outsider', email: 'otto@example.org' });
		outsider = (
			await registerProfessional(kring.server, invite, { name: 'Otto Outsider', password: conference.password })
		).client;

		await conference.phase(coordinator, 'private');
		annaId = await conference.participantId(conference.anna);

		// In private time one relative is let in at the door, another still waits there.
		admittedName = conference.newName('admitted');
		const admitted = await joinAsFamily(kring.server, conference.roomCode, admittedName, { presence: 'video-visit' });
		const waiting = await joinByLink(kring.server, conference.familyLink, conference.newName('waiting'));
		waitingId = waiting.participantId;
		expectAction(
			await conference.anna.action(`/c/${id}`, 'door', { participantId: admitted.participantId, decision: 'admit' }),
			'success'
		);

		// The family works: agreements typed in private, cursors moving.
		addAgreement(conference.annaPlan.doc, conference.newSecret('private-agreement'), { theme: 'housing' });
		conference.annaPlan.provider.awareness.setLocalStateField('focus', 'agreements');
		const admittedPlan = conference.open(admitted.client, 'plan');
		await admittedPlan.synced;
		expect(admittedPlan.has(conference.planTexts[0])).toBe(true);
	});
	afterEach(async () => assertFamilyStillSyncs(conference));

	it('refuses every plan and brief socket of every staff session, with zero document bytes', async () => {
		for (const { who, browser } of staff()) {
			for (const doc of ['plan', 'brief']) {
				for (const origin of [kring.server.origin, null]) {
					const socket = await openRawSocket(browser, conference.id, doc, { origin });
					socket.send(syncStep1());
					await socket.ended;
					expect(socket.status, `${who} ${doc}`).toBe(403);
					expect(socket.frames, `${who} ${doc}`).toEqual([]);
					expect(socket.body.length, `${who} ${doc}: body`).toBe(0);
					expect(found(socket.raw, forbidden())).toEqual([]);
				}
			}
		}
	});

	it('walks every route and its __data.json with every staff session and finds nothing', async () => {
		const patterns = routeTree().map((r) => r.pattern);
		// The walk must cover the board, its live stream, exports, print, the PDF and the big screen.
		for (const required of [
			'/c/[id]',
			'/c/[id]/events',
			'/c/[id]/export',
			'/c/[id]/print',
			'/c/[id]/plan.pdf',
			'/c/[id]/present'
		])
			expect(patterns).toContain(required);
		const values = {
			id: [conference.id, conference.id.toUpperCase()],
			code: [conference.roomCode, conference.roomCode.replace('-', '')],
			token: [conference.familyInviteToken, conference.professionalToken, 'a'.repeat(32)]
		};
		for (const { who, browser } of staff()) {
			const { problems, requests } = await walkEveryRoute(who, browser, values, forbidden());
			expect(problems).toEqual([]);
			expect(requests).toBeGreaterThan(50);
		}
	});

	it('posts every form action with every staff session: nothing leaks, nothing changes', async () => {
		const routes = routeTree().filter((r) => r.actions.length > 0);
		const values = {
			id: [conference.id],
			code: [conference.roomCode],
			token: [conference.familyInviteToken, conference.professionalToken]
		};
		const base = {
			conditions: 'ok',
			answer: 'coming',
			decision: 'admit',
			participantId: waitingId,
			question: 'changed by staff',
			name: 'Staff Name',
			email: 'staff@example.org',
			displayName: 'Staff as family',
			presence: 'room',
			code: conference.roomCode,
			locale: 'en',
			back: '/',
			password: 'not the right password',
			title: 'Another conference'
		};
		const variantsFor = (action: string): Record<string, string>[] => {
			if (action === 'phase') return PHASES.map((to) => ({ ...base, to }));
			if (action === 'door')
				return [waitingId, annaId].flatMap((participantId) =>
					['admit', 'decline'].map((decision) => ({ ...base, participantId, decision }))
				);
			if (action === 'remove') return [annaId, waitingId].map((participantId) => ({ ...base, participantId }));
			return [base];
		};
		// Actions that end the session (leave, logout) go last, so the rest is tried signed in.
		const ending = (route: string, action: string) => action === 'leave' || route === '/logout';
		const posts = routes.flatMap((route) =>
			concretePaths(route.pattern, values).flatMap((path) =>
				route.actions.map((action) => ({ route: route.pattern, path, action }))
			)
		);
		posts.sort((a, b) => Number(ending(a.route, a.action)) - Number(ending(b.route, b.action)));
		let count = 0;
		for (const { route, path, action } of posts) {
			for (const { who, browser } of staff()) {
				for (const fields of variantsFor(action)) {
					const reply = await browser.action(path, action, fields);
					expectNothingLeaked(who, `POST ${path} ?/${action} ${fields.to ?? ''}`, reply);
					count++;
				}
				if (ending(route, action)) continue;
				// The staff session is still a staff session: no action turned it into a family one.
				const me = (await browser.pageData('/')).data.identity as { kind: string } | null;
				expect(me?.kind, `${who} after ${path} ?/${action}`).toBe('staff');
			}
		}
		expect(count).toBeGreaterThan(40);

		// Nothing changed: still private, nobody admitted or removed by staff.
		expect(await conference.currentPhase()).toBe('private');
		const board = (await conference.anna.pageData(`/c/${conference.id}`)).data.board as {
			participants: { id: string }[];
			waiting: { id: string }[];
		};
		expect(board.waiting.map((w) => w.id)).toContain(waitingId);
		expect(board.participants.map((p) => p.id)).toContain(annaId);

		// Sign the staff back in for the attacks that follow.
		for (const { browser } of staff()) {
			const email =
				browser === conference.coordinator
					? kring.coordinator.email
					: browser === conference.professional
						? 'pia@example.org'
						: 'otto@example.org';
			expectAction(await browser.action('/login', 'default', { email, password: conference.password }), 'redirect');
		}
	});

	it('guessed URLs give nothing', async () => {
		const id = conference.id;
		const guesses = [
			`/c/${id}/plan`,
			`/c/${id}/brief`,
			`/c/${id}/plan.json`,
			`/c/${id}/export.json`,
			`/c/${id}/export?version=1`,
			`/c/${id}/export/1`,
			`/c/${id}/print?version=1`,
			`/c/${id}/print/__data.json?x-sveltekit-invalidated=11`,
			`/c/${id}/present/__data.json?x-sveltekit-invalidated=11`,
			`/c/${id}/__data.json?x-sveltekit-invalidated=111`,
			`/c/${id}/events?phase=presentation`,
			`/c/${id}/`,
			`/c/${id}//export`,
			`/c/${id}/%2e%2e/${id}/export`,
			`/c/${id}/present/../export`,
			`/collab/${id}/plan`,
			`/collab/${id}/brief`,
			`/api/conferences/${id}`,
			`/api/c/${id}/plan`,
			`/data/pglite`,
			`/build/handler.js`,
			`/drizzle/0000_initial.sql`,
			`/.env`,
			`/staff/${id}`,
			`/staff/__data.json`,
			`/_app/env.js`,
			`/_app/version.json`
		];
		for (const { who, browser } of staff()) {
			for (const url of guesses) expectNothingLeaked(who, `GET ${url}`, await browser.get(url));
			for (const path of [
				`/collab/${id}/plan/`,
				`/collab/${id}/plan?doc=brief`,
				`/collab/${id}/PLAN`,
				`/collab/${id}/../${id}/plan`,
				`/collab/${id.toUpperCase()}/plan`,
				`/collab/${id}/plan%00`,
				`/c/${id}`
			]) {
				const socket = await openRawSocket(browser, id, 'plan', { path });
				socket.send(syncStep1());
				await socket.ended;
				expect(socket.status, `${who} upgrade ${path}`).not.toBe(101);
				expect(socket.frames).toEqual([]);
				expect(found(socket.raw, forbidden())).toEqual([]);
			}
		}
	});

	it('export, print, PDF, present and the live stream carry nothing of the plan for staff', async () => {
		const { id } = conference;
		for (const { who, browser } of staff()) {
			const exported = await browser.get(`/c/${id}/export`);
			expect(exported.status, `${who} export`).toBe(404);
			// A PDF's text is not searchable in its bytes, so the walk cannot see into one: no PDF at all.
			expect((await browser.get(`/c/${id}/plan.pdf`)).status, `${who} PDF`).toBe(404);
			const print = await browser.pageData(`/c/${id}/print`);
			expect(print.data.frozen, `${who} print`).toBeUndefined();
			const present = await browser.pageData(`/c/${id}/present`);
			if (who !== 'outsider professional')
				expect(present.data.access, `${who} present`).toEqual({ plan: 'none', brief: 'none' });
			else expect(present.data.access).toBeUndefined();
			const board = await browser.pageData(`/c/${id}`);
			if (who !== 'outsider professional') {
				const b = board.data.board as Record<string, unknown> & { conference: Record<string, unknown> };
				expect(b.access).toEqual({ brief: 'none', plan: 'none' });
				expect(b.participants).toEqual([]);
				expect(b.waiting).toEqual([]);
				expect(b.audit).toEqual([]);
				expect(b.accepted).toBeNull();
				expect(b.conference.question).toBeNull();
			}
		}

		// The live stream: staff hear that something changed, never what.
		const streams = await Promise.all(
			staff().map(async ({ who, browser }) => ({ who, stream: await browser.events(`/c/${id}/events`) }))
		);
		for (const { who, stream } of streams) {
			if (who === 'outsider professional') expect(stream.status).toBe(404);
			else await waitUntil(() => stream.events.length >= 1, `${who}'s first event`);
		}
		const listening = streams.filter((s) => s.who !== 'outsider professional');
		/** Does something, then waits until every stream has heard of it. */
		const andHear = async (what: string, act: () => Promise<unknown>) => {
			const before = listening.map(({ stream }) => stream.events.length);
			await act();
			await waitUntil(
				() => listening.every(({ stream }, i) => stream.events.length > before[i]),
				`staff to hear that ${what}`
			);
		};
		// The family works and somebody new knocks at the door; the coordinator knocks too.
		addAgreement(conference.bramPlan.doc, conference.newSecret('while-streaming'), { theme: 'housing' });
		conference.annaPlan.provider.awareness.setLocalStateField('focus', 'meta');
		await andHear('someone waits at the door', async () => {
			const late = new Browser(kring.server, 'late relative');
			expectAction(
				await late.action(`/join/${conference.roomCode}`, 'default', {
					displayName: conference.newName('late'),
					presence: 'remote'
				}),
				'redirect'
			);
		});
		await andHear('the coordinator knocked', async () =>
			expectAction(await conference.coordinator.action(`/c/${id}`, 'knock'), 'success')
		);
		for (const { who, stream } of listening) {
			stream.close();
			expect(found(stream.text, forbidden()), who).toEqual([]);
			expect(stream.headers.get('cache-control')).toContain('no-store');
			for (const event of stream.events) {
				if (event.event === 'ping') continue;
				expect(event.event).toBe('status');
				expect(Object.keys(event.data as object).sort(), who).toEqual(['connectedFamily', 'phase', 'status']);
				expect((event.data as { phase: string }).phase).toBe('private');
			}
		}
		for (const { stream } of streams) stream.close();
	});

	it('knocking changes nothing until the family itself moves to presentation', async () => {
		const { id, coordinator, professional, anna, bram } = conference;
		expectAction(await coordinator.action(`/c/${id}`, 'knock'), 'success');
		const familyBoard = (await anna.pageData(`/c/${id}`)).data.board as { conference: { knocked: boolean } };
		expect(familyBoard.conference.knocked).toBe(true);
		for (const browser of [coordinator, professional]) {
			const socket = await openRawSocket(browser, id, 'plan');
			await socket.ended;
			expect(socket.status).toBe(403);
		}
		// The family answers "not yet": still their time, and the staff still get nothing.
		expectAction(await anna.action(`/c/${id}`, 'answerKnock', { answer: 'later' }), 'success');
		expect(await conference.currentPhase()).toBe('private');
		for (const browser of [coordinator, professional]) {
			for (const doc of ['plan', 'brief']) {
				const socket = await openRawSocket(browser, id, doc);
				await socket.ended;
				expect(socket.status).toBe(403);
				expect(socket.frames).toEqual([]);
			}
			expectNothingLeaked(browser.label, 'board after the answer', await browser.get(`/c/${id}/__data.json`));
		}

		// The coordinator knocks again and the family answers "we are coming": that is their own
		// decision to present, and now the same sockets and the same byte checks do see the plan.
		expectAction(await coordinator.action(`/c/${id}`, 'knock'), 'success');
		await readyThePlan(anna, id);
		expectAction(await anna.action(`/c/${id}`, 'answerKnock', { answer: 'coming' }), 'success');
		expect(await conference.currentPhase()).toBe('presentation');
		const watching = await openRawSocket(coordinator, id, 'plan');
		expect(watching.status).toBe(101);
		watching.send(syncStep1());
		await waitUntil(
			() => found(docBytes(docFromMessages(watching.messages)), [conference.planTexts[0]]).length === 1,
			'the plan on the big screen'
		);
		expect(found(watching.raw, [conference.secret])).toEqual([conference.secret]);
		const board = (await coordinator.pageData(`/c/${id}`)).data.board as { participants: { name: string }[] };
		expect(board.participants.map((p) => p.name)).toContain(admittedName);

		// "We need more time": back to private, and the big screen goes dark at once.
		await conference.phase(bram, 'private');
		await watching.closed;
		await watching.close();
		expect(watching.closeFrame?.code).toBe(CLOSE.revoked.code);
		expect(watching.framesAfterClose).toEqual([]);
		const again = await openRawSocket(coordinator, id, 'plan');
		await again.ended;
		expect(again.status).toBe(403);
		expect(again.frames).toEqual([]);
	});

	it("once the coordinator closes the conference, the coordinator's access to plan and brief ends", async () => {
		const { id, coordinator, professional, anna } = conference;
		await conference.phase(anna, 'presentation');
		expectAction(
			await professional.action(`/c/${id}`, 'accept', {
				conditions: 'Evaluatie over drie maanden',
				seen: await seenPlan(professional, id)
			}),
			'success'
		);
		// Accepted: staff may read the frozen plan; the export carries it (the checks below can see it).
		const frozen = await coordinator.get(`/c/${id}/export`);
		expect(frozen.status).toBe(200);
		expect(found(frozen.text, [conference.secret])).toEqual([conference.secret]);
		await conference.phase(coordinator, 'closed');

		const afterClosing = [conference.secret, conference.brief];
		const { problems } = await walkEveryRoute(
			'coordinator after closing',
			coordinator,
			{ id: [id], code: [conference.roomCode], token: [conference.familyInviteToken, conference.professionalToken] },
			afterClosing
		);
		expect(problems).toEqual([]);
		expect((await coordinator.get(`/c/${id}/export`)).status).toBe(404);
		expect((await coordinator.get(`/c/${id}/plan.pdf`)).status).toBe(404);
		for (const doc of ['plan', 'brief']) {
			const socket = await openRawSocket(coordinator, id, doc);
			socket.send(syncStep1());
			await socket.ended;
			expect(socket.status, `coordinator ${doc} after closing`).toBe(403);
			expect(socket.frames).toEqual([]);
		}
		// The professional and the family keep the accepted plan.
		const kept = await professional.get(`/c/${id}/export`);
		expect(kept.status).toBe(200);
		expect(found(kept.text, [conference.secret])).toEqual([conference.secret]);
		expect((await anna.get(`/c/${id}/export`)).status).toBe(200);
		expect((await professional.get(`/c/${id}/plan.pdf`)).status).toBe(200);
	});

	it('leaves no family content in the server logs', () => {
		expect(found(kring.server.logs(), forbidden())).toEqual([]);
	});
});
