import * as encoding from 'lib0/encoding';
import { expect, it } from 'vitest';
import { CLOSE } from '$lib/collab/close-codes';
import { conferenceWithFamily } from '../support/steps';
import { kringForThisFile } from '../support/server';
import { addAgreement, agreementTexts } from '../support/edits';
import { maskedFrame, openRawSocket } from '../support/raw-socket';
import { waitForClose, waitForConvergence, waitUntil } from '../support/yjs-client';

// The default limit (512 KiB) is tested as it ships.
const kring = kringForThisFile();

function message(write: (encoder: encoding.Encoder) => void): Uint8Array {
	const encoder = encoding.createEncoder();
	write(encoder);
	return encoding.toUint8Array(encoder);
}

const MALFORMED: [string, Uint8Array][] = [
	['a message type that does not exist', message((e) => encoding.writeVarUint(e, 9))],
	['a truncated number', new Uint8Array([0xff, 0xff, 0xff])],
	['a sync message of an unknown step', message((e) => (encoding.writeVarUint(e, 0), encoding.writeVarUint(e, 7)))],
	['sync step 1 without a state vector', new Uint8Array([0, 0])],
	[
		'an update that is not a Yjs update',
		message((e) => {
			encoding.writeVarUint(e, 0);
			encoding.writeVarUint(e, 2);
			encoding.writeVarUint8Array(e, new Uint8Array([5, 200, 1, 7, 7, 7, 7, 7, 7, 7]));
		})
	],
	[
		'presence that is not JSON',
		message((e) => {
			encoding.writeVarUint(e, 1);
			const inner = encoding.createEncoder();
			encoding.writeVarUint(inner, 1);
			encoding.writeVarUint(inner, 1234);
			encoding.writeVarUint(inner, 1);
			encoding.writeVarString(inner, '{not json');
			encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
		})
	]
];

it('malformed and over-size messages close only the socket that sent them; the family’s plan carries on whole', async () => {
	const { server, coordinator, docs } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Anna', 'Bob']);
	const [anna, bob] = family;
	const annaPhone = docs.open(anna.client, conferenceId, 'plan');
	const bobPhone = docs.open(bob.client, conferenceId, 'plan');
	await Promise.all([annaPhone.synced, bobPhone.synced]);
	addAgreement(annaPhone.doc, 'Anna zoekt een budgetcoach', { theme: 'money' });
	await waitForConvergence([annaPhone.doc, bobPhone.doc]);

	// A broken app (or someone with Bob's cookie) sends bytes that are not the protocol.
	for (const [what, bytes] of MALFORMED) {
		const socket = await openRawSocket(bob.client, conferenceId, 'plan');
		expect(socket.status, what).toBe(101);
		socket.send(bytes);
		expect((await waitForClose(socket.closed, `the server closes the socket that sent ${what}`)).code, what).toBe(
			CLOSE.malformed.code
		);
	}

	// One message over the 512 KiB limit: refused by its size (1009), before anything reads it.
	const big = await openRawSocket(bob.client, conferenceId, 'plan');
	const oversize = new Uint8Array(512 * 1024 + 1);
	oversize.set(message((e) => (encoding.writeVarUint(e, 0), encoding.writeVarUint(e, 2))));
	big.send(oversize);
	expect((await waitForClose(big.closed, 'the server closes the socket that sent too much')).code).toBe(
		CLOSE.tooLarge.code
	);

	// A frame WebSocket itself does not know (reserved opcode 3), sent with the upgrade request,
	// so it arrives while the brief is still being loaded for this socket.
	const early = await openRawSocket(bob.client, conferenceId, 'brief', { earlyFrames: maskedFrame(3) });
	expect(early.status).toBe(101);
	expect((await waitForClose(early.closed, 'the server closes the socket that sent an unknown frame')).code).toBe(1002);

	// The server is still up, the family's sockets were never closed, and editing goes on.
	expect((await anna.client.get(`/c/${conferenceId}`)).status).toBe(200);
	expect(annaPhone.closeEvents).toEqual([]);
	expect(bobPhone.closeEvents).toEqual([]);
	addAgreement(bobPhone.doc, 'Bob gaat mee naar de schuldhulp', { theme: 'money' });
	await waitForConvergence([annaPhone.doc, bobPhone.doc]);

	const fresh = docs.open(anna.client, conferenceId, 'plan');
	await waitUntil(() => agreementTexts(fresh.doc).length === 2, 'a new device gets the whole plan', {
		docs: [fresh.doc]
	});
	expect(agreementTexts(fresh.doc)).toEqual(['Anna zoekt een budgetcoach', 'Bob gaat mee naar de schuldhulp']);
	expect(server.logs()).not.toContain('Anna zoekt een budgetcoach');
});
