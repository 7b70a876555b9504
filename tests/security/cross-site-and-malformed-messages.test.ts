import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { found } from '../support/found';
import { Browser } from '../support/http-client';
import { openRawSocket } from '../support/raw-socket';
import { kringForThisFile } from '../support/server';
import {
	awarenessMessage,
	decodeMessage,
	docBytes,
	docFromMessages,
	MESSAGE,
	syncStep1,
	syncUpdate
} from '../support/y-messages';
import { waitUntil } from '../support/yjs-client';
import { assertFamilyStillSyncs, seedConference, type Seeded } from './seeded-conference';

/**
 * Attacks from outside the family's browsers: another website trying to use a family member's
 * cookies (cross-site WebSocket, cross-site form posts), and clients that send bytes which are
 * not the protocol, or not theirs to send, hoping for a crash, a write, or an error message that
 * quotes the plan into the server's logs.
 */
describe('cross-site requests and malformed messages', () => {
	const kring = kringForThisFile();
	let conference: Seeded;
	const forbidden = () => [conference.secret, conference.brief];

	beforeAll(async () => {
		conference = await seedConference(kring);
		await conference.phase(conference.coordinator, 'private');
	});
	afterEach(async () => assertFamilyStillSyncs(conference));

	it('refuses a WebSocket from another site, even with the family cookie', async () => {
		const port = kring.server.port;
		for (const origin of [
			'https://evil.example',
			`http://127.0.0.1:${port}.evil.example`,
			'null',
			`http://localhost:${port}`,
			`https://127.0.0.1:${port}`,
			`http://127.0.0.1:${port + 1}`
		]) {
			for (const doc of ['plan', 'brief']) {
				const socket = await openRawSocket(conference.anna, conference.id, doc, { origin });
				socket.send(syncStep1());
				await socket.ended;
				expect(socket.status, `${origin} ${doc}`).toBe(403);
				expect(socket.frames).toEqual([]);
				expect(socket.body.length).toBe(0);
				expect(found(socket.raw, forbidden())).toEqual([]);
			}
		}
		// The same cookie from Kring's own page does open the plan: the refusal above is the Origin's doing.
		const own = await openRawSocket(conference.anna, conference.id, 'plan');
		expect(own.status).toBe(101);
		own.send(syncStep1());
		await waitUntil(
			() => found(docBytes(docFromMessages(own.messages)), [conference.planTexts[0]]).length === 1,
			'the plan'
		);
		await own.close();
	});

	it('refuses cross-site form posts that would end private time or change the room', async () => {
		const { anna, id } = conference;
		const annaId = await conference.participantId(anna);
		for (const origin of ['https://evil.example', 'null']) {
			for (const [action, fields] of [
				['phase', { to: 'presentation' }],
				['remove', { participantId: annaId }],
				['answerKnock', { answer: 'coming' }],
				['leave', {}]
			] as const) {
				for (const contentType of [
					'application/x-www-form-urlencoded',
					'text/plain',
					'multipart/form-data; boundary=x'
				]) {
					const reply = await anna.action(`/c/${id}`, action, fields, { origin, 'content-type': contentType });
					expect(reply.status, `${origin} ?/${action} ${contentType}`).toBe(403);
					expect(found(reply.text, forbidden())).toEqual([]);
				}
			}
		}
		expect(await conference.currentPhase()).toBe('private');
		expect(
			((await anna.pageData(`/c/${id}`)).data.board as { participants: { id: string }[] }).participants.map((p) => p.id)
		).toContain(annaId);
	});

	it('drops a write from a read-only connection: the brief stays as it was in private time', async () => {
		const { bram, id } = conference;
		const socket = await openRawSocket(bram, id, 'brief');
		expect(socket.status).toBe(101);
		socket.send(syncStep1());
		await waitUntil(
			() => found(docBytes(docFromMessages(socket.messages)), [conference.briefTexts[0]]).length === 1,
			'the brief (read-only) to arrive'
		);
		const own = docFromMessages(socket.messages);
		const injected = conference.newSecret('written-into-read-only-brief');
		const before = Y.encodeStateVector(own);
		own.getArray('concerns').push([new Y.Map([['text', new Y.Text(injected)]])]);
		socket.send(syncUpdate(Y.encodeStateAsUpdate(own, before)));
		// The server answers a refused write with a y-protocols "permission denied", once.
		await waitUntil(
			() => socket.messages.some((m) => decodeMessage(m).kind === 'auth'),
			'the permission-denied answer'
		);
		const denial = socket.messages.map(decodeMessage).find((m) => m.kind === 'auth');
		expect(denial).toEqual({ kind: 'auth', reason: 'read-only' });
		await socket.close();
		// A fresh family client syncs what the server holds: the write is not there.
		const check = await openRawSocket(conference.anna, id, 'brief');
		check.send(syncStep1());
		await waitUntil(
			() => check.messages.some((m) => decodeMessage(m).kind === 'sync-step-2'),
			'a fresh sync of the brief'
		);
		expect(found(docBytes(docFromMessages(check.messages)), [conference.briefTexts[0]])).toHaveLength(1);
		expect(found(check.raw, [injected])).toEqual([]);
		await check.close();
		expect(conference.annaBrief.has(injected)).toBe(false);
	});

	it('refuses malformed messages carrying plan text without crashing or quoting them in the logs', async () => {
		const { bram, id } = conference;
		const planText = `${conference.newSecret('mistyped-into-a-message')} Oma haalt Sem elke woensdag op van school`;
		const text = new TextEncoder().encode(planText);
		const withType = (...parts: (number | Uint8Array)[]) => {
			const encoder = encoding.createEncoder();
			for (const part of parts) {
				if (typeof part === 'number') encoding.writeVarUint(encoder, part);
				else encoding.writeVarUint8Array(encoder, part);
			}
			return encoding.toUint8Array(encoder);
		};
		const messages: [string, Uint8Array][] = [
			[
				'awareness state that is plan text, not JSON',
				awarenessMessage([{ clientId: 99_001, clock: 1, state: null, rawState: planText }])
			],
			[
				'awareness state that is a short piece of plan text',
				awarenessMessage([
					{ clientId: 99_002, clock: 1, state: null, rawState: conference.newSecret('x').slice(0, 18) }
				])
			],
			['unknown message type followed by plan text', withType(99, text)],
			['unknown sync step with plan text', withType(MESSAGE.sync, 7, text)],
			['an update that is plan text', withType(MESSAGE.sync, 2, text)],
			['a truncated update', withType(MESSAGE.sync, 2, Y.encodeStateAsUpdate(conference.annaPlan.doc).subarray(0, 40))],
			['awareness claiming a billion entries', withType(MESSAGE.awareness, withType(1_000_000_000, 1, 1))]
		];
		for (const [what, message] of messages) {
			const socket = await openRawSocket(bram, id, 'plan');
			expect(socket.status).toBe(101);
			socket.send(message);
			await socket.closed;
			await socket.close();
			expect(socket.closeFrame?.code, what).toBe(CLOSE.malformed.code);
			expect((await new Browser(kring.server).get('/')).status, `the server still answers after ${what}`).toBe(200);
		}
		const logs = kring.server.logs();
		expect(logs).toContain('[collab] refused a');
		// Not the plan text, and not even the first characters of it.
		expect(found(logs, [planText.slice(0, 10), conference.secret.slice(0, 10), 'Oma haalt'])).toEqual([]);
	});

	it('a link into Kring cannot bounce anyone to another site (login next, language back)', async () => {
		const targets = [
			'//evil.example/kring',
			'/\\evil.example/kring',
			'/\t/evil.example/kring',
			'/%5Cevil.example',
			'https://evil.example/kring',
			'/\\/evil.example',
			'/\\['
		];
		const staysHome = (reply: { status: number; headers: Headers; action?: { location?: string } }) => {
			const location = reply.action?.location ?? reply.headers.get('location');
			return (
				location === null ||
				location === undefined ||
				new URL(location, kring.server.origin).origin === kring.server.origin
			);
		};
		for (const next of targets) {
			// A signed-in coordinator following a crafted sign-in link.
			const signedIn = await conference.coordinator.get(`/login?next=${encodeURIComponent(next)}`);
			expect(signedIn.status).toBe(303);
			expect(staysHome(signedIn), `GET /login?next=${next}: ${signedIn.headers.get('location')}`).toBe(true);
			// Signing in from that link.
			const fresh = new Browser(kring.server, 'coordinator signing in again');
			const login = await fresh.action(`/login?next=${encodeURIComponent(next)}`, 'default', {
				email: kring.coordinator.email,
				password: conference.password
			});
			expect(login.action?.type).toBe('redirect');
			expect(staysHome(login), `POST /login?next=${next}: ${login.action?.location}`).toBe(true);
			const lang = await conference.anna.action('/lang', 'default', { locale: 'en', back: next });
			expect(staysHome(lang), `POST /lang back=${next}: ${lang.action?.location}`).toBe(true);
		}
		// Paths on Kring itself still work.
		const home = await conference.anna.action('/lang', 'default', { locale: 'nl', back: `/c/${conference.id}?x=1` });
		expect(home.action?.location).toBe(`/c/${conference.id}?x=1`);
	});

	it('leaves no family content in the server logs', () => {
		expect(found(kring.server.logs(), [...forbidden(), conference.secret.slice(0, 10)])).toEqual([]);
	});
});

/**
 * `npm start` without ORIGIN: Kring then judges an Origin by the Host it was asked for. The same
 * cross-site attempts must fail there too.
 */
describe('cross-site requests when Kring runs without ORIGIN', () => {
	const kring = kringForThisFile({ env: { ORIGIN: undefined } });
	let conference: Seeded;

	beforeAll(async () => {
		conference = await seedConference(kring);
		await conference.phase(conference.coordinator, 'private');
	});
	afterEach(async () => assertFamilyStillSyncs(conference));

	it('refuses sockets and form posts from another site, and takes them from its own pages', async () => {
		// Without ORIGIN the setup link is printed for localhost: this server really runs without it.
		expect(kring.server.logs()).toContain(`http://localhost:${kring.server.port}/setup/`);
		const { anna, id } = conference;
		for (const origin of ['https://evil.example', 'null', `http://evil.example:${kring.server.port}`]) {
			const socket = await openRawSocket(anna, id, 'plan', { origin });
			socket.send(syncStep1());
			await socket.ended;
			expect(socket.status, origin).toBe(403);
			expect(socket.frames).toEqual([]);
			const post = await anna.action(`/c/${id}`, 'phase', { to: 'presentation' }, { origin });
			expect(post.status, origin).toBe(403);
		}
		expect(await conference.currentPhase()).toBe('private');
		const own = await openRawSocket(anna, id, 'plan');
		expect(own.status).toBe(101);
		await own.close();
	});
});
