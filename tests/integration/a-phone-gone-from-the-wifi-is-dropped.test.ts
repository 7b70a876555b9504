import { expect, it } from 'vitest';
import { HEARTBEAT } from '$lib/collab/heartbeat';
import { openRawSocket } from '../support/raw-socket';
import { kringForThisFile } from '../support/server';
import { changePhase, conferenceWithFamily } from '../support/steps';
import { waitForClose, waitUntil } from '../support/yjs-client';

/**
 * A phone that leaves the room's Wi-Fi does not close its connection: the server hears nothing
 * more from it. The server pings every socket and cuts off one that did not answer, so its place
 * in the room is freed; a phone that answers stays, and its board's heartbeat is answered at once.
 * A short ping interval here; 30 s by default.
 */
const kring = kringForThisFile({ env: { KRING_PING_INTERVAL_MS: '300' } });

it('the server cuts off a socket that stops answering pings and keeps the one that answers', async () => {
	const { server, coordinator } = kring;
	const { conferenceId, family } = await conferenceWithFamily(server, coordinator.client, ['Anna', 'Bob']);
	await changePhase(coordinator.client, conferenceId, 'information');

	const gone = await openRawSocket(family[0].client, conferenceId, 'plan', { answerPings: false });
	const here = await openRawSocket(family[1].client, conferenceId, 'plan');
	expect([gone.status, here.status]).toEqual([101, 101]);

	// Anna's phone walked out of the Wi-Fi: pinged, silent, cut off.
	const closed = await waitForClose(gone.closed, 'Anna’s silent socket is cut off');
	expect(closed.code).toBe(1006);
	expect(gone.pings).toBeGreaterThan(0);

	// Bob's phone answers every ping and is still there several pings later.
	const pingsWhenAnnaWent = here.pings;
	await waitUntil(() => here.pings >= pingsWhenAnnaWent + 3, 'three more pings reach Bob');
	expect(here.isOpen).toBe(true);

	// Bob's board asks whether the connection lives; the server answers with the same byte.
	const before = here.messages.length;
	here.send(HEARTBEAT);
	await waitUntil(
		() => here.messages.slice(before).some((message) => message.equals(Buffer.from(HEARTBEAT))),
		'the heartbeat is answered'
	);
	await here.close();
});
