import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
	acceptPlan,
	boardData,
	changePhase,
	handOver,
	createConference,
	createCoordinator,
	inviteProfessional,
	joinAsFamily,
	registerProfessional,
	roomCodeOf,
	signIn,
	unique
} from '../support/steps';
import { startKring, type KringServer } from '../support/server';
import { addAgreement, agreementTexts } from '../support/edits';
import { openDoc, waitUntil } from '../support/yjs-client';

let server: KringServer;
beforeAll(async () => {
	server = await startKring();
});
afterAll(async () => {
	await server?.stop();
});

it('a conference goes from the setup link to an accepted plan whose export matches its hash', async () => {
	// The operator opens the setup link the server printed and makes the first coordinator account.
	expect(server.setupPath).toMatch(/^\/setup\/[a-z2-7]+$/);
	const carla = await createCoordinator(server, {
		name: 'Carla',
		email: `${unique('carla')}@kring.test`,
		password: 'lange zin als wachtwoord'
	});

	// The link is used up; Carla signs in again later with her email and password.
	expect((await carla.client.get(server.setupPath!)).status).toBe(410);
	const coordinator = await signIn(server, carla.email, carla.password);
	expect((await coordinator.get('/staff')).status).toBe(200);

	const conferenceId = await createConference(coordinator, {
		title: 'Familie Jansen',
		question: 'Hoe komt Sem weer veilig thuis?'
	});
	const roomCode = await roomCodeOf(coordinator, conferenceId);
	expect(roomCode).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);

	// A family member types the room code on her own phone; the session cookie carries her on.
	const mother = await joinAsFamily(server, roomCode, 'Moeder Ingrid', { presence: 'room' });
	expect(mother.client.session).toBeTruthy();
	expect((await mother.client.get(`/c/${conferenceId}`)).status).toBe(200);
	const seen = await boardData(mother.client, conferenceId);
	expect(seen.member).toMatchObject({ role: 'family', status: 'active', name: 'Moeder Ingrid' });
	expect(seen.board?.conference.question).toBe('Hoe komt Sem weer veilig thuis?');

	// The youth care worker is invited by email and registers from the link.
	const link = await inviteProfessional(coordinator, conferenceId, {
		name: 'Peter Jeugdzorg',
		email: `${unique('peter')}@kring.test`
	});
	expect(link).toMatch(new RegExp(`^${server.origin}/invite/[a-z2-7]+$`));
	const professional = await registerProfessional(server, link, { name: 'Peter Jeugdzorg' });
	expect(professional.conferenceId).toBe(conferenceId);
	expect((await boardData(professional.client, conferenceId)).member.role).toBe('professional');

	await changePhase(coordinator, conferenceId, 'information');
	// The hand-over: the mother's phone is the family's only device, so it confirms itself.
	await handOver(coordinator, conferenceId, [mother]);

	// The family writes its plan during private time.
	const plan = openDoc(mother.client, conferenceId, 'plan');
	await plan.synced;
	addAgreement(plan.doc, 'Oma haalt Sem op woensdag van school', { theme: 'school' });
	addAgreement(plan.doc, 'Vader belt elke zondag', { theme: 'contact' });
	const check = openDoc(mother.client, conferenceId, 'plan');
	await waitUntil(() => agreementTexts(check.doc).length === 2, 'the second device sees both agreements', {
		docs: [check.doc]
	});
	plan.destroy();
	check.destroy();

	await changePhase(mother.client, conferenceId, 'presentation');
	const version = await acceptPlan(professional.client, conferenceId, 'Evaluatie over drie maanden');
	expect(version).toBe(1);

	const board = (await boardData(mother.client, conferenceId)).board!;
	expect(board.conference.phase).toBe('accepted');
	expect(board.accepted).toMatchObject({
		version: 1,
		acceptedBy: 'Peter Jeugdzorg',
		acceptedByRole: 'professional',
		conditions: 'Evaluatie over drie maanden'
	});
	expect(board.accepted!.sha256).toMatch(/^[0-9a-f]{64}$/);

	const exported = await mother.client.get(`/c/${conferenceId}/export`);
	expect(exported.status).toBe(200);
	expect(exported.headers.get('cache-control')).toBe('no-store');
	const bytes = exported.body;
	const digest = createHash('sha256').update(bytes).digest('hex');
	expect(digest).toBe(board.accepted!.sha256);
	expect(exported.headers.get('x-kring-sha256')).toBe(digest);
	const frozen = JSON.parse(bytes.toString('utf8'));
	expect(frozen.version).toBe(1);
	expect(frozen.plan.agreements.map((a: { text: string }) => a.text)).toEqual([
		'Oma haalt Sem op woensdag van school',
		'Vader belt elke zondag'
	]);
	expect(frozen.question).toBe('Hoe komt Sem weer veilig thuis?');

	// The coordinator sees the same frozen plan.
	const forCoordinator = await coordinator.get(`/c/${conferenceId}/export`);
	expect(createHash('sha256').update(forCoordinator.body).digest('hex')).toBe(digest);
});
