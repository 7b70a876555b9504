import { expect, it } from 'vitest';
import { expectAction } from '../support/http-client';
import { kringForThisFile } from '../support/server';
import { boardData, changePhase, conferenceWithFamily, handOver } from '../support/steps';
import { waitUntil } from '../support/yjs-client';

/**
 * Found when tried as a new user would: the coordinator knocked during private time, the family
 * answered "not yet", and the coordinator's screen went back to the knock button as if nobody had
 * answered. Now it says the family needs more time, live, until she knocks again.
 */
const kring = kringForThisFile();

it('the family answers a knock with "not yet": the coordinator’s screen says so, and knocking again clears it', async () => {
	const { server, coordinator } = kring;
	const carla = coordinator.client;
	const { conferenceId, family } = await conferenceWithFamily(server, carla, ['Moeder']);
	const [moeder] = family;
	await changePhase(carla, conferenceId, 'information');
	await handOver(carla, conferenceId, family);
	const path = `/c/${conferenceId}`;
	const conference = async () => (await boardData(carla, conferenceId)).board!.conference;

	const stream = await carla.events(`${path}/events`);
	expectAction(await carla.action(path, 'knock'), 'success');
	expect(await conference()).toMatchObject({ knocked: true, notYetAt: null });
	const heard = stream.events.length;
	expectAction(await moeder.client.action(path, 'answerKnock', { answer: 'later' }), 'success');
	// The coordinator's status line is nudged, and her board then says the family needs more time.
	await waitUntil(() => stream.events.length > heard, 'the coordinator’s screen is nudged');
	stream.close();
	const after = await conference();
	expect(after.knocked).toBe(false);
	expect(after.notYetAt).toEqual(expect.any(String));
	// The family's own board does not carry it: it is the coordinator's news.
	expect((await boardData(moeder.client, conferenceId)).board!.conference.notYetAt).toBeNull();

	expectAction(await carla.action(path, 'knock'), 'success');
	expect(await conference()).toMatchObject({ knocked: true, notYetAt: null });
});
