import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { addAgreement } from '../support/edits';
import { found } from '../support/found';
import { openRawSocket, type RawSocket } from '../support/raw-socket';
import { kringForThisFile } from '../support/server';
import {
	awarenessMessage,
	decodeMessage,
	docBytes,
	docFromMessages,
	queryAwareness,
	syncStep1
} from '../support/y-messages';
import { waitUntil } from '../support/yjs-client';
import { assertFamilyStillSyncs, seedConference, type Seeded } from './seeded-conference';

/**
 * The coordinator and the professional had the brief open during the information phase, as
 * they should. The coordinator hands over. Their sockets must close at that moment, and not
 * one more byte of the brief, the plan or the family's presence may reach them, even when their
 * client ignores the close frame and keeps asking.
 */
describe('hand-over closes the staff sockets that were open before it', () => {
	const kring = kringForThisFile();
	let conference: Seeded;

	beforeAll(async () => {
		conference = await seedConference(kring);
	});
	afterEach(async () => assertFamilyStillSyncs(conference));

	it('closes polite and hostile staff sockets with 4403 and sends nothing after', async () => {
		const { coordinator, professional, id } = conference;
		const sockets: { who: string; socket: RawSocket }[] = [];
		for (const [who, browser] of [
			['coordinator', coordinator],
			['professional', professional]
		] as const) {
			for (const doc of ['brief'] as const) {
				sockets.push({ who: `${who} ${doc} (polite)`, socket: await openRawSocket(browser, id, doc) });
				sockets.push({
					who: `${who} ${doc} (ignores close)`,
					socket: await openRawSocket(browser, id, doc, { answerClose: false })
				});
			}
		}
		for (const { socket } of sockets) {
			expect(socket.status).toBe(101);
			socket.send(syncStep1());
		}
		// Before hand-over the brief is theirs to read: the bytes carry it (this proves the check below can see it).
		for (const { socket } of sockets) {
			await waitUntil(
				() => found(docBytes(docFromMessages(socket.messages)), [conference.briefTexts[0]]).length === 1,
				'the brief to reach staff'
			);
		}
		// The family is present on the brief: staff may see that now.
		conference.annaBrief.provider.awareness.setLocalStateField('focus', 'concerns');
		await waitUntil(
			() =>
				sockets.every(({ socket }) =>
					socket.messages.some((m) => JSON.stringify(decodeMessage(m)).includes('"focus":"concerns"'))
				),
			'staff to see Anna on the brief'
		);

		await conference.phase(coordinator, 'private');
		await Promise.all(sockets.map(({ socket }) => socket.closed));

		// Private time: the family moves and types; a staff client that ignored the close frame keeps asking.
		const privateFocus = `${conference.secret}-focus`.slice(0, 60);
		conference.annaBrief.provider.awareness.setLocalStateField('focus', privateFocus);
		const privateText = conference.newSecret('typed-in-private');
		addAgreement(conference.annaPlan.doc, privateText, { theme: 'housing' });
		await waitUntil(() => conference.bramPlan.has(privateText), 'the family to sync in private time');
		for (const { socket } of sockets.filter((s) => s.who.includes('ignores'))) {
			socket.send(syncStep1());
			socket.send(queryAwareness());
			socket.send(awarenessMessage([{ clientId: 4242, clock: 1, state: { focus: 'hello' } }]));
		}
		// The server cuts off a client that does not answer its close frame; wait for that end.
		await Promise.all(sockets.map(({ socket }) => socket.ended));

		for (const { who, socket } of sockets) {
			expect(socket.closeFrame, who).toEqual(CLOSE.revoked);
			expect(socket.framesAfterClose, `${who}: frames after the close frame`).toEqual([]);
			expect(
				found(socket.raw, [privateText, privateFocus, conference.secret.concat('-typed-in-private')]),
				who
			).toEqual([]);
			// Nothing of the plan, ever: the family's plan secrets never reach a staff brief socket.
			expect(
				found(
					socket.raw,
					conference.planTexts.filter((t) => !t.includes('brief-by-family'))
				),
				who
			).toEqual([]);
		}
	});

	it('refuses the old cookie when the staff client reconnects, on both documents', async () => {
		const { coordinator, professional, id } = conference;
		for (const browser of [coordinator, professional]) {
			for (const doc of ['brief', 'plan'] as const) {
				const socket = await openRawSocket(browser, id, doc);
				await socket.ended;
				expect(socket.status, `${browser.label} ${doc}`).toBe(403);
				expect(socket.frames).toEqual([]);
				expect(socket.body.length).toBe(0);
				expect(found(socket.raw, [conference.secret, conference.brief])).toEqual([]);
			}
		}
	});
});
