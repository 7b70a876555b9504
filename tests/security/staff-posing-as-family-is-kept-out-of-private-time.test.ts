import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { addAgreement } from '../support/edits';
import { found } from '../support/found';
import { Browser, expectAction } from '../support/http-client';
import { openRawSocket, type RawSocket } from '../support/raw-socket';
import { kringForThisFile } from '../support/server';
import { readyThePlan, type BoardPage } from '../support/steps';
import { docBytes, docFromMessages, syncStep1 } from '../support/y-messages';
import { waitUntil } from '../support/yjs-client';
import { trySockets, walkEveryRoute } from './every-route';
import { assertFamilyStillSyncs, seedConference, type Seeded } from './seeded-conference';

/**
 * Before private time a new family device is in at once: the coordinator is with the family. A
 * professional who opens the room code in a second browser profile as "Tante Els" is therefore in
 * when the coordinator hands over. At the hand-over the family confirms its circle: every device
 * that is in waits, receiving nothing, until another family device confirms it. Tante Els is seen
 * by the real family, cannot confirm herself, and is kept out.
 */
describe('a professional who joined as family before private time is seen and kept out', () => {
	const kring = kringForThisFile();
	let conference: Seeded;
	/** The professional, in a second browser profile without her staff session. */
	let els: Browser;
	let elsId: string;
	/** Els's plan socket, opened in the information phase. */
	let elsPlan: RawSocket;
	/** What the family types in private time: Els must never receive it. */
	const privateTexts: string[] = [];
	const page = async (browser: Browser) => (await browser.pageData<BoardPage>(`/c/${conference.id}`)).data;

	beforeAll(async () => {
		conference = await seedConference(kring);
		els = new Browser(kring.server, 'professional posing as Tante Els');
		expectAction(
			await els.action(`/join/${conference.roomCode}`, 'default', { displayName: 'Tante Els', presence: 'room' }),
			'redirect'
		);
		const me = await page(els);
		expect(me.member.status, 'before private time a device is in at once').toBe('active');
		elsId = me.member.participantId;
		// Positive control: in the information phase she reads the plan, as the access matrix allows.
		elsPlan = await openRawSocket(els, conference.id, 'plan');
		expect(elsPlan.status).toBe(101);
		elsPlan.send(syncStep1());
		await waitUntil(
			() => found(Buffer.concat(elsPlan.messages), [conference.planTexts[0]]).length === 1,
			'Els to read the information-phase plan'
		);
	});
	afterEach(async () => assertFamilyStillSyncs(conference));
	afterAll(() => elsPlan?.destroy());

	it('at the hand-over every family device waits to be confirmed; Els cannot confirm herself', async () => {
		const { coordinator, anna, bram, id } = conference;
		expectAction(await coordinator.action(`/c/${id}`, 'phase', { to: 'private' }), 'success');

		// Els gets nothing any more: a new socket is refused, the open one is closed.
		const again = await openRawSocket(els, id, 'plan');
		again.destroy();
		expect(again.status, 'a device nobody confirmed opens no plan in private time').toBe(403);
		await elsPlan.closed;
		expect(elsPlan.closeFrame).toEqual(CLOSE.removed);

		// Nobody is confirmed yet: every family board shows the waiting screen and the circle.
		for (const browser of [anna, bram, els]) {
			const me = await page(browser);
			expect(me.waiting, browser.label).toBe(true);
			expect(me.board, browser.label).toBeUndefined();
			expect(me.member.status, browser.label).toBe('unconfirmed');
		}
		const annasCircle = (await page(anna)).circle!;
		expect(annasCircle.alone).toBe(false);
		expect(annasCircle.others.map((d) => d.name).sort()).toEqual(['Bram', 'Tante Els']);

		// Els cannot confirm herself: not by her id, and not by saying she is the only one.
		for (const fields of [{ participantId: elsId }, { participantId: elsId, alone: 'yes' }] as Record<
			string,
			string
		>[]) {
			await els.action(`/c/${id}`, 'confirm', fields);
			expect((await page(els)).member.status, JSON.stringify(fields)).toBe('unconfirmed');
		}
		// Confirming Anna brings Anna in, not Els.
		const annaId = (await page(anna)).member.participantId;
		expectAction(await els.action(`/c/${id}`, 'confirm', { participantId: annaId }), 'success');
		expect((await page(anna)).member.status).toBe('active');
		expect((await page(els)).member.status).toBe('unconfirmed');

		// Anna sees who is still unconfirmed, and confirms only Bram.
		const board = (await page(anna)).board!;
		expect(board.circle.map((d) => d.name).sort()).toEqual(['Bram', 'Tante Els']);
		const bramId = board.circle.find((d) => d.name === 'Bram')!.id;
		expectAction(await anna.action(`/c/${id}`, 'confirm', { participantId: bramId }), 'success');
		expect((await page(bram)).member.status).toBe('active');
		expect((await page(anna)).board!.circle.map((d) => d.name)).toEqual(['Tante Els']);
		const log = (await page(anna)).board!.audit;
		expect(log).toContainEqual(expect.objectContaining({ actor: 'Anna', action: 'device.confirmed', detail: 'Bram' }));
		expect(log).toContainEqual(
			expect.objectContaining({ actor: 'Tante Els', action: 'device.confirmed', detail: 'Anna' })
		);

		// The family writes its plan; Els receives none of it, on any path.
		await conference.reconnectFamily();
		const text = conference.newSecret('private-plan');
		privateTexts.push(text);
		addAgreement(conference.annaPlan.doc, text, { theme: 'housing' });
		await waitUntil(() => conference.bramPlan.has(text), 'Bram to receive what Anna typed in private time');
		expect(found(Buffer.concat(elsPlan.messages), privateTexts)).toEqual([]);
		for (const result of await trySockets(els, id, privateTexts))
			expect(result, `${result.doc} socket`).toEqual({ doc: result.doc, status: 403, frames: 0, leaked: [] });
		const values = { id: [id], code: [conference.roomCode], token: [conference.familyInviteToken] };
		expect((await walkEveryRoute('Els, unconfirmed', els, values, privateTexts)).problems).toEqual([]);
		// Nor can she act as family: she cannot end private time or send anyone away.
		for (const [action, fields] of [
			['phase', { to: 'presentation' }],
			['remove', { participantId: annaId }],
			['door', { participantId: bramId, decision: 'decline' }]
		] as const) {
			const reply = await els.action(`/c/${id}`, action, fields);
			expect(reply.action?.type, `unconfirmed ?/${action}`).toBe('failure');
		}
		expect((await page(anna)).board!.conference.phase).toBe('private');
	});

	it('a device nobody confirms goes to the door when private time ends, and is declined there', async () => {
		const { anna, id } = conference;
		await readyThePlan(anna, id);
		expectAction(await anna.action(`/c/${id}`, 'phase', { to: 'presentation' }), 'success');
		const me = await page(els);
		expect(me.waiting).toBe(true);
		expect(me.member.status).toBe('waiting');
		expect(me.circle, 'at the door there is no circle to confirm').toBeNull();
		const { waiting: door, audit } = (await page(anna)).board!;
		expect(door.map((d) => d.name)).toEqual(['Tante Els']);
		expect(audit).toContainEqual(
			expect.objectContaining({ actor: 'Kring', action: 'device.to_door', detail: 'Tante Els' })
		);
		expectAction(await anna.action(`/c/${id}`, 'door', { participantId: elsId, decision: 'decline' }), 'success');
		expect((await els.pageData(`/c/${id}`)).location, 'Els is told once that she was not let in').toBe('/?removed=1');
		const socket = await openRawSocket(els, id, 'plan');
		socket.destroy();
		expect(socket.status).toBe(401);
		expect(found(docBytes(docFromMessages(elsPlan.messages)), privateTexts)).toEqual([]);
	});

	it('a lone family device confirms itself, and only with its own explicit statement', async () => {
		const { coordinator } = conference;
		const created = expectAction(
			await coordinator.action('/staff', 'create', { title: 'Familie Smit', question: 'Wie helpt Mo?' }),
			'redirect'
		);
		const id = created.location!.replace('/c/', '');
		const link = expectAction(await coordinator.action(`/c/${id}`, 'familyInvite'), 'success');
		const oma = new Browser(kring.server, 'Oma (alone)');
		expectAction(
			await oma.action(new URL(String((link.data as { link: string }).link)).pathname, 'default', {
				displayName: 'Oma',
				presence: 'room'
			}),
			'redirect'
		);
		expectAction(await coordinator.action(`/c/${id}`, 'phase', { to: 'information' }), 'success');
		expectAction(await coordinator.action(`/c/${id}`, 'phase', { to: 'private' }), 'success');
		const me = (await oma.pageData<BoardPage>(`/c/${id}`)).data;
		expect(me.member.status).toBe('unconfirmed');
		expect(me.circle).toEqual({ alone: true, others: [] });
		const refused = await openRawSocket(oma, id, 'plan');
		refused.destroy();
		expect(refused.status).toBe(403);

		// Without the statement nothing happens; with it, Oma is in.
		expect((await oma.action(`/c/${id}`, 'confirm', { participantId: me.member.participantId })).action?.type).toBe(
			'failure'
		);
		expect((await oma.pageData<BoardPage>(`/c/${id}`)).data.member.status).toBe('unconfirmed');
		expectAction(
			await oma.action(`/c/${id}`, 'confirm', { participantId: me.member.participantId, alone: 'yes' }),
			'success'
		);
		const after = (await oma.pageData<BoardPage>(`/c/${id}`)).data;
		expect(after.member.status).toBe('active');
		expect(after.board!.audit).toContainEqual(
			expect.objectContaining({ actor: 'Oma', action: 'device.confirmed_self', detail: '' })
		);
		const socket = await openRawSocket(oma, id, 'plan');
		expect(socket.status).toBe(101);
		await socket.close();
	});

	it('leaves no family content in the server logs', () => {
		expect(found(kring.server.logs(), [conference.secret])).toEqual([]);
	});
});
