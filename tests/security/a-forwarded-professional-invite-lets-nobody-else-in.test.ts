import { expect, it } from 'vitest';
import { kringForThisFile } from '../support/server';
import { boardData, createConference, inviteProfessional, registerProfessional } from '../support/steps';

const kring = kringForThisFile();

it('an invite for one probation officer cannot be taken by another professional, nor used twice', async () => {
	const { server, coordinator } = kring;
	const first = await createConference(coordinator.client, { title: 'Eerste conferentie' });
	const second = await createConference(coordinator.client, { title: 'Tweede conferentie' });

	// Another professional has an account through a different conference.
	const otherLink = await inviteProfessional(coordinator.client, first, {
		name: 'Andere Professional',
		email: 'andere@zorg.test'
	});
	const other = await registerProfessional(server, otherLink, { name: 'Andere Professional' });

	// The link for the probation officer is forwarded to that other professional.
	const link = await inviteProfessional(coordinator.client, second, {
		name: 'Reclassering Ria',
		email: 'ria@reclassering.test'
	});
	const path = new URL(link, server.url).pathname;
	const taken = (await other.client.action(path, 'accept')).action;
	expect(taken).toMatchObject({ type: 'failure', status: 403, data: { error: 'invite_other_email' } });
	expect((await other.client.pageData(`/c/${second}`)).status).toBe(404);

	// Ria herself registers with it; after that the link is used up.
	const ria = await registerProfessional(server, link, { name: 'Reclassering Ria' });
	expect(ria.conferenceId).toBe(second);
	expect((await boardData(ria.client, second)).board?.me.role).toBe('professional');
	const again = (await other.client.action(path, 'accept')).action!;
	expect(again.type).not.toBe('redirect');
	expect((await other.client.pageData(`/c/${second}`)).status).toBe(404);
});
