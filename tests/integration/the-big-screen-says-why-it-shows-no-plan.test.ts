import { expect, it } from 'vitest';
import { kringForThisFile } from '../support/server';
import { changePhase, conferenceWithFamily, handOver, joinByLink } from '../support/steps';

/**
 * Found when tried as a new user would: the big screen said "the family is in private time" before
 * private time had begun, and to a device that joined during the presentation and waited at the
 * door. It says that only in private time.
 */
const kring = kringForThisFile();
const PRIVATE = 'De familie is in het besloten gedeelte';

it('the big screen says "private time" only in private time; before it, and at the door, it says what is true', async () => {
	const { server, coordinator } = kring;
	const carla = coordinator.client;
	const { conferenceId, family, familyLink } = await conferenceWithFamily(server, carla, ['Moeder']);
	// What the screen says where the plan would be (the page also carries the whole catalogue).
	const present = async (who: typeof carla) => {
		const html = (await who.get(`/c/${conferenceId}/present`)).text;
		return /data-testid="present-status"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '';
	};

	await changePhase(carla, conferenceId, 'information');
	const before = await present(carla);
	expect(before).not.toContain(PRIVATE);
	expect(before).toContain('Hier komt het plan zodra de familie het presenteert.');

	await handOver(carla, conferenceId, family);
	expect(await present(carla)).toContain(PRIVATE);

	await changePhase(family[0].client, conferenceId, 'presentation');
	const late = await joinByLink(server, familyLink, 'Neef');
	expect(late.status).toBe('waiting');
	const atTheDoor = await present(late.client);
	expect(atTheDoor).not.toContain(PRIVATE);
	expect(atTheDoor).toContain('Dit apparaat wacht tot de familie het binnenlaat.');
});
