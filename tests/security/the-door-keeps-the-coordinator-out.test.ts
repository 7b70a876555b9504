import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { addAgreement } from '../support/edits';
import { found } from '../support/found';
import { Browser, expectAction } from '../support/http-client';
import { openRawSocket } from '../support/raw-socket';
import { kringForThisFile } from '../support/server';
import { createConference, inviteFamily, joinByLink } from '../support/steps';
import { docBytes, syncStep1 } from '../support/y-messages';
import { waitUntil } from '../support/yjs-client';
import { checkReply, trySockets, walkEveryRoute } from './every-route';
import { assertFamilyStillSyncs, seedConference, type Seeded } from './seeded-conference';

type Board = { waiting: { id: string; name: string }[]; participants: { id: string; name: string }[] };

/**
 * The coordinator holds the invite link and the room code. Neither may be a way into private
 * time: a staff browser cannot join as family at all, and anyone who joins during private time
 * waits at the door with nothing until a family member lets them in. Whoever is declined or
 * removed gets nothing ever again, whatever they keep in their cookie jar.
 */
describe('the door keeps the coordinator and strangers out of private time', () => {
	const kring = kringForThisFile();
	let conference: Seeded;
	/** A relative who joined before private time, and is removed during it. */
	let cas: Browser;
	const forbidden = () => [conference.secret, conference.brief, conference.names];
	const values = () => ({ id: [conference.id], code: [conference.roomCode], token: [conference.familyInviteToken] });
	const familyBoard = async () => (await conference.anna.pageData(`/c/${conference.id}`)).data.board as Board;

	/** Everything a person without a place in private time may try: each route, each socket, each action. */
	async function expectShutOut(who: string, browser: Browser, expectedSocketStatus: number) {
		const { problems } = await walkEveryRoute(who, browser, values(), forbidden());
		expect(problems).toEqual([]);
		for (const result of await trySockets(browser, conference.id, forbidden())) {
			expect(result, `${who} ${result.doc} socket`).toEqual({
				doc: result.doc,
				status: expectedSocketStatus,
				frames: 0,
				leaked: []
			});
		}
		for (const path of [`/c/${conference.id}/export`, `/c/${conference.id}/print/__data.json`]) {
			const reply = await browser.get(path);
			expect(found(reply.text, forbidden()), `${who} ${path}`).toEqual([]);
			expect(reply.text).not.toContain('"frozen"');
		}
	}

	beforeAll(async () => {
		conference = await seedConference(kring);
		// Cas's name is a marker: nobody outside the family may learn who is in the room.
		cas = (await joinByLink(kring.server, conference.familyLink, conference.newName('cas'))).client;
	});
	afterEach(async () => assertFamilyStillSyncs(conference));

	it('a staff browser cannot join as family, neither before nor during private time', async () => {
		const { coordinator, professional, id } = conference;
		for (const phase of ['information', 'private']) {
			if (phase === 'private') await conference.phase(coordinator, 'private');
			const before = await familyBoard();
			for (const browser of [coordinator, professional]) {
				const session = browser.session;
				for (const path of [`/j/${conference.familyInviteToken}`, `/join/${conference.roomCode}`]) {
					const reply = await browser.action(path, 'default', {
						displayName: 'Oma Truus',
						presence: 'room',
						sharedDevice: 'on'
					});
					expect(reply.action?.type, `${browser.label} ${path} in ${phase}`).toBe('failure');
					expect(reply.action?.status).toBe(403);
					expect(browser.session, 'the staff session stays a staff session').toBe(session);
				}
				const me = (await browser.pageData('/')).data.identity as { kind: string };
				expect(me.kind).toBe('staff');
			}
			const after = await familyBoard();
			expect(after.participants).toEqual(before.participants);
			expect(after.waiting).toEqual(before.waiting);
			expect(after.participants.concat(after.waiting).map((p) => p.name)).not.toContain('Oma Truus');
			// A staff cookie on the family's own invite link changes nothing on the sockets either.
			for (const result of await trySockets(coordinator, id, forbidden()))
				expect(result.status).toBe(phase === 'private' ? 403 : result.doc === 'brief' ? 101 : 403);
		}
	});

	it('the coordinator in a fresh browser waits at the door and gets nothing, not even by admitting themself', async () => {
		const { id, anna } = conference;
		const incognito = new Browser(kring.server, 'coordinator, incognito');
		// Their own name is theirs to see; the family's names are not.
		const name = 'Oma Truus';
		expectAction(
			await incognito.action(`/join/${conference.roomCode}`, 'default', { displayName: name, presence: 'room' }),
			'redirect'
		);
		const me = (await incognito.pageData(`/c/${id}`)).data as {
			waiting: boolean;
			member: { participantId: string; status: string };
		};
		expect(me.waiting).toBe(true);
		expect(me.member.status).toBe('waiting');
		expect((await familyBoard()).waiting.map((w) => w.name)).toContain(name);

		await expectShutOut('waiting', incognito, 403);
		// Open the door from the inside, move the phase, throw the family out: all refused.
		const self = me.member.participantId;
		const annaId = await conference.participantId(anna);
		const attempts: [string, Record<string, string>][] = [
			['door', { participantId: self, decision: 'admit' }],
			['phase', { to: 'presentation' }],
			['remove', { participantId: annaId }],
			['answerKnock', { answer: 'coming' }],
			['familyInvite', {}],
			['accept', { conditions: '' }]
		];
		for (const [action, fields] of attempts) {
			const reply = await incognito.action(`/c/${id}`, action, fields);
			expect(reply.action?.type, `waiting ?/${action}`).toBe('failure');
			expect(checkReply('waiting', action, reply, forbidden())).toEqual([]);
		}
		expect((await familyBoard()).waiting.map((w) => w.name)).toContain(name);
		expect(await conference.currentPhase()).toBe('private');

		// Anna declines: the cookie is dead, and it stays dead.
		expectAction(await anna.action(`/c/${id}`, 'door', { participantId: self, decision: 'decline' }), 'success');
		const declinedCookie = incognito.clone('declined');
		await expectShutOut('declined', declinedCookie, 401);
		expect((await declinedCookie.get(`/c/${id}/events`)).status).toBe(404);
		// Trying again only leads back to the door.
		expectAction(
			await declinedCookie.action(`/join/${conference.roomCode}`, 'default', { displayName: name, presence: 'room' }),
			'redirect'
		);
		expect(((await declinedCookie.pageData(`/c/${id}`)).data as { waiting: boolean }).waiting).toBe(true);
		await expectShutOut('declined, back at the door', declinedCookie, 403);
		// Anna has sent one device away on her own; this time Bram declines (§6).
		const again = (await familyBoard()).waiting.find((w) => w.name === name)!;
		const declinedAgain = expectAction(
			await conference.bram.action(`/c/${id}`, 'door', { participantId: again.id, decision: 'decline' }),
			'success'
		);
		expect(declinedAgain.data).toMatchObject({ done: 'door' });
	});

	it('a relative let in by the family does get the plan (the checks above can see it)', async () => {
		const { id, anna } = conference;
		const cousin = new Browser(kring.server, 'cousin');
		expectAction(
			await cousin.action(`/j/${conference.familyInviteToken}`, 'default', {
				displayName: 'Cousin Daan',
				presence: 'remote'
			}),
			'redirect'
		);
		const socketBefore = await openRawSocket(cousin, id, 'plan');
		await socketBefore.ended;
		expect(socketBefore.status).toBe(403);
		const waiting = (await familyBoard()).waiting.find((w) => w.name === 'Cousin Daan')!;
		expectAction(await anna.action(`/c/${id}`, 'door', { participantId: waiting.id, decision: 'admit' }), 'success');
		const socket = await openRawSocket(cousin, id, 'plan');
		expect(socket.status).toBe(101);
		socket.send(syncStep1());
		await waitUntil(
			() => found(Buffer.concat(socket.messages), [conference.planTexts[0]]).length === 1,
			'the plan to reach the admitted cousin'
		);
		expect(found(docBytes(conference.annaPlan.doc), [conference.secret])).toEqual([conference.secret]);
		await socket.close();
	});

	it('a removed relative is cut off at once and gets nothing with the old cookie', async () => {
		const { id, anna } = conference;
		const polite = await openRawSocket(cas, id, 'plan');
		const hostile = await openRawSocket(cas, id, 'plan', { answerClose: false });
		for (const socket of [polite, hostile]) {
			expect(socket.status).toBe(101);
			socket.send(syncStep1());
		}
		await waitUntil(
			() => [polite, hostile].every((s) => found(Buffer.concat(s.messages), [conference.planTexts[0]]).length === 1),
			'Cas to have the plan'
		);

		// Anna has sent one device away on her own already: she asks, and Bram agrees (§6).
		const casId = await conference.participantId(cas);
		const asked = expectAction(await anna.action(`/c/${id}`, 'remove', { participantId: casId }), 'success');
		expect(asked.data).toMatchObject({ done: 'removal_requested' });
		expectAction(
			await conference.bram.action(`/c/${id}`, 'answerRemoval', { participantId: casId, answer: 'agree' }),
			'success'
		);
		await Promise.all([polite.closed, hostile.closed]);
		const afterRemoval = conference.newSecret('after-removal');
		addAgreement(conference.annaPlan.doc, afterRemoval, { theme: 'housing' });
		await waitUntil(() => conference.bramPlan.has(afterRemoval), 'the family to go on');
		hostile.send(syncStep1());
		await Promise.all([polite.ended, hostile.ended]);
		for (const socket of [polite, hostile]) {
			expect(socket.closeFrame).toEqual(CLOSE.removed);
			expect(socket.framesAfterClose).toEqual([]);
			expect(found(socket.raw, [afterRemoval])).toEqual([]);
		}

		await expectShutOut('removed', cas.clone('removed, old cookie'), 401);
		const stream = await cas.clone('removed, live stream').get(`/c/${id}/events`);
		expect(stream.status).toBe(404);
		for (const [action, fields] of [
			['door', { participantId: casId, decision: 'admit' }],
			['phase', { to: 'presentation' }],
			['remove', { participantId: await conference.participantId(anna) }]
		] as const) {
			const reply = await cas.clone().action(`/c/${id}`, action, fields);
			expect(reply.status, `removed ?/${action}`).toBe(404);
			expect(found(reply.text, forbidden())).toEqual([]);
		}
		// Back through the invite link: a new place at the door, nothing more.
		const back = cas.clone('removed, rejoining');
		expectAction(
			await back.action(`/j/${conference.familyInviteToken}`, 'default', {
				displayName: 'Cas again',
				presence: 'room'
			}),
			'redirect'
		);
		await expectShutOut('removed, back at the door', back, 403);
		expect((await familyBoard()).participants.map((p) => p.id)).not.toContain(casId);
	});

	it('a family member of another conference gets nothing of this one', async () => {
		const { coordinator } = conference;
		const other = await createConference(coordinator, { title: 'Familie Bakker', question: 'Wie zorgt voor opa?' });
		const fien = (await joinByLink(kring.server, await inviteFamily(coordinator, other), 'Fien')).client;
		expect(((await fien.pageData(`/c/${other}`)).data.board as { access: { plan: string } }).access.plan).toBe('write');
		await expectShutOut('family of another conference', fien, 403);
		for (const [action, fields] of [
			['door', { participantId: await conference.participantId(conference.anna), decision: 'decline' }],
			['remove', { participantId: await conference.participantId(conference.bram) }],
			['phase', { to: 'presentation' }]
		] as const) {
			const reply = await fien.action(`/c/${conference.id}`, action, fields);
			expect(reply.status, `other family ?/${action}`).toBe(404);
		}
		expect(await conference.currentPhase()).toBe('private');
	});

	it('leaves no family content in the server logs', () => {
		expect(found(kring.server.logs(), forbidden())).toEqual([]);
	});
});
