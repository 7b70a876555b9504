import { expect, it } from 'vitest';
import { readPlan } from '../../src/lib/plan/shape';
import { acceptedConference } from '../support/conference-with-everything';
import { Browser, expectAction } from '../support/http-client';
import { databaseOf, kringForThisFile } from '../support/server';
import { boardData, changePhase, joinByLink, inviteFamily, unique } from '../support/steps';

/**
 * After acceptance the plan is the family's to keep and to follow up (docs/design.md §6, §7): a
 * family member's own plan link brings them back after their device's session expired and after
 * the conference was closed; the family ticks agreements done or not yet and the professional sees
 * it; the coordinator starts an evaluation conference from the accepted plan, which stays frozen.
 * On PostgreSQL, so that the test can let a session expire in the database.
 */
const kring = kringForThisFile({ database: 'postgres' });

type FollowUpBoard = {
	accepted: { sha256: string; plan: { agreements: { id: string }[] } };
	followUp: {
		ticks: Record<string, { state: string; note: string; by: string }>;
		evaluation: { on: string; daysUntil: number; fromWords: boolean } | null;
	} | null;
	planLink: { madeAt: string; lastUsedAt: string | null } | null;
	earlier: { version: number; circle: string[] } | null;
};

async function followUpBoard(who: Browser, id: string): Promise<FollowUpBoard> {
	return (await boardData(who, id)).board as unknown as FollowUpBoard;
}

it('a family member comes back with their own plan link after the session expired and after closing', async () => {
	const { server, coordinator } = kring;
	const conference = await acceptedConference(kring, unique('keep'));
	const { id, mother } = conference;

	// The link is shown once, in the answer; the board afterwards only says that there is one.
	const made = expectAction(await mother.action(`/c/${id}`, 'planLink'), 'success');
	const link = String(made.data?.planLink);
	expect(link).toMatch(new RegExp(`^${server.url}/p/[a-z2-7]{32}$`));
	expect(JSON.stringify(await boardData(mother, id))).not.toContain(new URL(link).pathname.slice(3));
	expect((await followUpBoard(mother, id)).planLink).toMatchObject({ lastUsedAt: null });

	// Her phone's session runs out.
	const sql = await databaseOf(server);
	try {
		await sql`update sessions set expires_at = now() - interval '1 minute' where id in (
			select s.id from sessions s join participants p on p.id = s.participant_id where p.display_name = ${conference.markers.mother})`;
	} finally {
		await sql.end();
	}
	expect((await mother.get(`/c/${id}`)).status).not.toBe(200);

	// And the coordinator closes the conference.
	await changePhase(coordinator.client, id, 'closed');

	// A new browser with only the link: a page with one button, then the accepted plan.
	const later = new Browser(server, 'mother, months later');
	const landing = await later.get(new URL(link).pathname);
	expect(landing.status).toBe(200);
	expect(later.session).toBeUndefined();
	expectAction(await later.action(new URL(link).pathname, 'default'), 'redirect');
	const board = await followUpBoard(later, id);
	expect(board.accepted.plan.agreements).toHaveLength(1);
	expect((await boardData(later, id)).board!.conference.phase).toBe('closed');
	expect((await boardData(later, id)).board!.audit.some((entry) => entry.action === 'plan_link.used')).toBe(true);

	// A new link revokes the old one; a revoked or guessed link opens nothing.
	expectAction(await later.action(`/c/${id}`, 'planLink'), 'success');
	const stranger = new Browser(server, 'someone who found the old link');
	expect((await stranger.get(new URL(link).pathname)).status).toBe(404);
	expect((await stranger.action(new URL(link).pathname, 'default')).status).toBe(404);
	expect((await stranger.get(`/p/${'a'.repeat(32)}`)).status).toBe(404);
	expect(stranger.session).toBeUndefined();
});

it('the family ticks agreements done or not yet, and the professional sees it; staff cannot tick', async () => {
	const conference = await acceptedConference(kring, unique('ticks'));
	const { id, mother, uncle, professional } = conference;
	const agreementId = (await followUpBoard(mother, id)).accepted.plan.agreements[0].id;

	expect((await followUpBoard(professional, id)).followUp?.ticks).toEqual({});
	expectAction(
		await uncle.action(`/c/${id}`, 'tick', { agreementId, state: 'not_yet', note: 'BSO start in maart' }),
		'success'
	);
	expect((await followUpBoard(professional, id)).followUp?.ticks[agreementId]).toMatchObject({
		state: 'not_yet',
		note: 'BSO start in maart',
		by: conference.markers.uncle
	});
	expectAction(await mother.action(`/c/${id}`, 'tick', { agreementId, state: 'done', note: '' }), 'success');
	expect((await followUpBoard(professional, id)).followUp?.ticks[agreementId]).toMatchObject({
		state: 'done',
		by: conference.markers.mother
	});

	// The frozen version is not touched: the same fingerprint as before the ticks.
	const before = (await followUpBoard(mother, id)).accepted.sha256;
	expect((await followUpBoard(professional, id)).accepted.sha256).toBe(before);

	// Neither the professional nor the coordinator ticks; an agreement that is not in the plan is refused.
	for (const staff of [professional, kring.coordinator.client]) {
		const refused = await staff.action(`/c/${id}`, 'tick', { agreementId, state: 'not_yet', note: '' });
		expect(refused.action).toMatchObject({ type: 'failure', status: 403 });
	}
	const unknown = await mother.action(`/c/${id}`, 'tick', { agreementId: 'nope', state: 'done', note: '' });
	expect(unknown.action).toMatchObject({ type: 'failure', status: 404 });

	// The evaluation date: every board shows it and how long until it.
	const on = new Date(Date.now() + 10 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
	expectAction(await mother.action(`/c/${id}`, 'evaluationDate', { on }), 'success');
	expect((await followUpBoard(professional, id)).followUp?.evaluation).toEqual({ on, daysUntil: 10, fromWords: false });
	const badDate = await mother.action(`/c/${id}`, 'evaluationDate', { on: 'morgen' });
	expect(badDate.action).toMatchObject({ type: 'failure', status: 400 });

	// Erasing the conference takes the follow-up and the plan links with it.
	const made = expectAction(await mother.action(`/c/${id}`, 'planLink'), 'success');
	// The family's download holds the follow-up and who has a plan link, never the link.
	const download = await mother.get(`/c/${id}/my-data`);
	const data = JSON.parse(download.text);
	expect(data.followUp).toMatchObject({ evaluationOn: on, ticks: [{ agreement: agreementId, state: 'Gedaan' }] });
	expect(data.planLinks).toEqual([expect.objectContaining({ of: conference.markers.mother, revokedAt: null })]);
	expect(download.text).not.toContain(String(made.data?.planLink).split('/p/')[1]);
	expectAction(await mother.action(`/c/${id}`, 'erase', { confirm: 'yes' }), 'redirect');
	const sql = await databaseOf(kring.server);
	try {
		const [ticks] = await sql`select count(*)::int as n from agreement_ticks where conference_id = ${id}`;
		const [links] = await sql`select count(*)::int as n from plan_links where conference_id = ${id}`;
		expect([ticks.n, links.n]).toEqual([0, 0]);
	} finally {
		await sql.end();
	}
});

it('the coordinator starts an evaluation conference from the accepted plan, which stays frozen', async () => {
	const { server, coordinator, docs } = kring;
	const conference = await acceptedConference(kring, unique('evaluation'));
	const { id, mother, professional } = conference;
	const frozen = (await followUpBoard(mother, id)).accepted;

	// Nobody but the coordinator may start one.
	for (const other of [mother, professional]) {
		expect((await other.action(`/c/${id}`, 'startEvaluation')).action).toMatchObject({ type: 'failure', status: 403 });
	}

	const { location } = expectAction(await coordinator.client.action(`/c/${id}`, 'startEvaluation'), 'redirect');
	const newId = /^\/c\/([a-z0-9]+)$/.exec(location ?? '')![1];
	expect(newId).not.toBe(id);
	const fresh = await boardData(coordinator.client, newId);
	expect(fresh.board!.conference).toMatchObject({ phase: 'preparation', question: conference.markers.question });
	expect((fresh.board as unknown as FollowUpBoard).earlier).toMatchObject({
		version: 1,
		circle: expect.arrayContaining([conference.markers.mother, conference.markers.uncle])
	});

	const staff = await coordinator.client.pageData<{ conferences: { id: string; evaluation: boolean }[] }>('/staff');
	expect(staff.data.conferences.find((c) => c.id === newId)?.evaluation).toBe(true);
	expect(staff.data.conferences.find((c) => c.id === id)?.evaluation).toBe(false);

	// The family joins the evaluation and finds last time's agreements as its starting point.
	const familyLink = await inviteFamily(coordinator.client, newId);
	const again = await joinByLink(server, familyLink, conference.markers.mother);
	const plan = docs.open(again.client, newId, 'plan');
	await plan.synced;
	expect(readPlan(plan.doc).agreements.map((agreement) => agreement.text)).toEqual([conference.markers.agreement]);
	expect(readPlan(plan.doc).monitor).toBe(conference.markers.typed);
	plan.destroy();

	// The earlier conference and its version are as they were.
	const old = await followUpBoard(mother, id);
	expect(old.accepted.sha256).toBe(frozen.sha256);
	expect((await boardData(mother, id)).board!.conference.phase).toBe('accepted');
});
