import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { found } from '../support/found';
import { Browser, expectAction } from '../support/http-client';
import { openRawSocket } from '../support/raw-socket';
import { kringForThisFile } from '../support/server';
import type { BoardPage } from '../support/steps';
import { syncStep1 } from '../support/y-messages';
import { waitUntil } from '../support/yjs-client';
import { assertFamilyStillSyncs, seedConference, type Seeded } from './seeded-conference';

/**
 * The family may send any family device away, at any time. One device that turns against the
 * others (a phone picked up by the wrong person, a relative who wants the plan for themselves)
 * must not be able to send every other device away and keep them out at the door: a device sends
 * one other away on its own; for every further one a second family member must agree.
 */
describe('one family device cannot lock the rest of the family out', () => {
	const kring = kringForThisFile();
	let conference: Seeded;
	let rik: Browser;
	let cas: Browser;
	let dirk: Browser;
	const page = async (browser: Browser) => (await browser.pageData<BoardPage>(`/c/${conference.id}`)).data;
	const idOf = async (browser: Browser) => (await page(browser)).member.participantId;
	const removals = async (browser: Browser) => (await page(browser)).board!.removals;
	/** A device sent away is told so once, on the home page. */
	const sentAway = async (browser: Browser) =>
		(await browser.pageData(`/c/${conference.id}`)).location === '/?removed=1';
	const log = async () => (await page(conference.anna)).board!.audit;
	const join = async (browser: Browser, name: string) =>
		expectAction(
			await browser.action(`/j/${conference.familyInviteToken}`, 'default', { displayName: name, presence: 'room' }),
			'redirect'
		);

	beforeAll(async () => {
		conference = await seedConference(kring);
		rik = new Browser(kring.server, 'Rik (family, turns against the others)');
		cas = new Browser(kring.server, 'Cas (family)');
		dirk = new Browser(kring.server, 'Dirk (family)');
		await join(rik, 'Rik');
		await join(cas, 'Cas');
		await join(dirk, 'Dirk');
		await conference.phase(conference.coordinator, 'private');
		for (const browser of [rik, cas, dirk]) expect((await page(browser)).member.status, browser.label).toBe('active');
	});
	afterEach(async () => assertFamilyStillSyncs(conference));

	it('one device sends one other away on its own, and no more', async () => {
		const { anna, bram, id } = conference;
		const [annaId, bramId] = [await idOf(anna), await idOf(bram)];
		expectAction(await rik.action(`/c/${id}`, 'remove', { participantId: await idOf(cas) }), 'success');
		expect(await sentAway(cas), 'Cas is sent away').toBe(true);

		// Anna and Bram stay in: Rik can only ask.
		const asked = expectAction(await rik.action(`/c/${id}`, 'remove', { participantId: annaId }), 'success');
		expect(asked.data).toMatchObject({ done: 'removal_requested' });
		expectAction(await rik.action(`/c/${id}`, 'remove', { participantId: bramId }), 'success');
		for (const browser of [anna, bram]) expect((await page(browser)).member.status, browser.label).toBe('active');
		expect(await removals(bram)).toContainEqual({ id: annaId, name: 'Anna', by: 'Rik', mine: false });
		expect(await removals(anna)).toContainEqual({ id: bramId, name: 'Bram', by: 'Rik', mine: false });
		expect(await removals(rik)).toContainEqual({ id: bramId, name: 'Bram', by: 'Rik', mine: true });

		// Rik cannot agree with himself, and Anna cannot answer about her own device.
		expect(
			(await rik.action(`/c/${id}`, 'answerRemoval', { participantId: annaId, answer: 'agree' })).action?.type
		).toBe('failure');
		expect(
			(await anna.action(`/c/${id}`, 'answerRemoval', { participantId: annaId, answer: 'agree' })).action?.type
		).toBe('failure');
		expect((await page(anna)).member.status).toBe('active');

		// Bram and Anna say no: both stay, and the requests are gone.
		expectAction(
			await bram.action(`/c/${id}`, 'answerRemoval', { participantId: annaId, answer: 'disagree' }),
			'success'
		);
		expectAction(
			await anna.action(`/c/${id}`, 'answerRemoval', { participantId: bramId, answer: 'disagree' }),
			'success'
		);
		for (const browser of [anna, bram]) {
			expect((await page(browser)).member.status).toBe('active');
			expect(await removals(browser)).toEqual([]);
		}
		expect(await log()).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ actor: 'Rik', action: 'participant.removed', detail: 'Cas' }),
				expect.objectContaining({ actor: 'Rik', action: 'removal.requested', detail: 'Anna' }),
				expect.objectContaining({ actor: 'Bram', action: 'removal.refused', detail: 'Anna' })
			])
		);
	});

	it('a device sent away can knock again, and one device alone cannot keep it out', async () => {
		const { anna, id } = conference;
		await join(cas, 'Cas');
		const knocking = await page(cas);
		expect(knocking.member.status).toBe('waiting');
		expect((await page(anna)).board!.waiting.map((w) => w.name)).toEqual(['Cas']);

		const declined = expectAction(
			await rik.action(`/c/${id}`, 'door', { participantId: knocking.member.participantId, decision: 'decline' }),
			'success'
		);
		expect(declined.data).toMatchObject({ done: 'removal_requested' });
		expect((await page(cas)).member.status, 'one device alone cannot decline her').toBe('waiting');

		expectAction(
			await anna.action(`/c/${id}`, 'door', { participantId: knocking.member.participantId, decision: 'admit' }),
			'success'
		);
		expect((await page(cas)).member.status).toBe('active');
		const socket = await openRawSocket(cas, id, 'plan');
		expect(socket.status).toBe(101);
		socket.send(syncStep1());
		await waitUntil(
			() => found(Buffer.concat(socket.messages), [conference.planTexts[0]]).length === 1,
			'Cas to read the plan again'
		);
		await socket.close();
		// Rik's request about Cas still stands; Bram refuses it.
		expectAction(
			await conference.bram.action(`/c/${id}`, 'answerRemoval', {
				participantId: knocking.member.participantId,
				answer: 'disagree'
			}),
			'success'
		);
		expect((await page(cas)).member.status).toBe('active');
	});

	it('with a second family member agreeing, a device is sent away, and the log says who agreed', async () => {
		const { bram, id } = conference;
		const casId = await idOf(cas);
		const socket = await openRawSocket(cas, id, 'plan');
		expect(socket.status).toBe(101);
		socket.send(syncStep1());

		expectAction(await rik.action(`/c/${id}`, 'remove', { participantId: casId }), 'success');
		expect((await page(cas)).member.status).toBe('active');
		expectAction(await bram.action(`/c/${id}`, 'answerRemoval', { participantId: casId, answer: 'agree' }), 'success');
		await socket.closed;
		expect(socket.closeFrame).toEqual(CLOSE.removed);
		expect(await sentAway(cas)).toBe(true);
		const entries = await log();
		expect(entries).toContainEqual(expect.objectContaining({ actor: 'Bram', action: 'removal.agreed', detail: 'Cas' }));
		expect(found(JSON.stringify(entries), [conference.secret])).toEqual([]);

		// Asking to send away a device another one already asked about is agreeing with it.
		const dirkId = await idOf(dirk);
		expectAction(await rik.action(`/c/${id}`, 'remove', { participantId: dirkId }), 'success');
		expectAction(await bram.action(`/c/${id}`, 'remove', { participantId: dirkId }), 'success');
		expect(await sentAway(dirk)).toBe(true);
		expect(await log()).toContainEqual(
			expect.objectContaining({ actor: 'Bram', action: 'removal.agreed', detail: 'Dirk' })
		);

		// A device that is sent away takes its open requests with it.
		const annaId = await idOf(conference.anna);
		expectAction(await rik.action(`/c/${id}`, 'remove', { participantId: annaId }), 'success');
		expectAction(await conference.anna.action(`/c/${id}`, 'remove', { participantId: await idOf(rik) }), 'success');
		expect(await sentAway(rik), 'Anna sends Rik away on her own').toBe(true);
		expect((await page(conference.anna)).member.status).toBe('active');
		expect(await removals(bram)).toEqual([]);
	});

	it('leaves no family content in the server logs', () => {
		expect(found(kring.server.logs(), [conference.secret])).toEqual([]);
	});
});
