import { expect, it } from 'vitest';
import { acceptedConference } from '../support/conference-with-everything';
import type { Browser } from '../support/http-client';
import { kringForThisFile } from '../support/server';
import { boardData, joinByLink, unique } from '../support/steps';

/**
 * The family can download everything Kring holds about its conference, in one readable file:
 * the download says what the family wrote, who took part, what was accepted and what happened,
 * holds nothing of any other conference and nothing that opens a door, and is in the log.
 * Staff, a device waiting at the door and another family get nothing.
 */
const kring = kringForThisFile();

function download(who: Browser, conferenceId: string) {
	return who.get(`/c/${conferenceId}/my-data`);
}

it('the family downloads everything about its own conference and nothing about another; staff cannot', async () => {
	const { server, coordinator } = kring;
	const ours = await acceptedConference(kring, unique('ours'));
	const theirs = await acceptedConference(kring, unique('theirs'));
	const roomCode = (await boardData(coordinator.client, ours.id)).board!.invite!.roomCode;

	const file = await download(ours.uncle, ours.id);
	expect(file.status).toBe(200);
	expect(file.headers.get('content-type')).toBe('application/json; charset=utf-8');
	expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="kring-\d{4}-\d{2}-\d{2}\.json"$/);
	expect(file.headers.get('cache-control')).toBe('no-store');

	// Every string of our conference is in it, none of the other's, and nothing that lets anyone in.
	for (const marker of Object.values(ours.markers)) expect(file.text, marker).toContain(marker);
	for (const marker of Object.values(theirs.markers)) expect(file.text, marker).not.toContain(marker);
	const familyToken = new URL(ours.familyLink).pathname.split('/').pop()!;
	for (const secret of [familyToken, roomCode, roomCode.replace('-', ''), coordinator.email, coordinator.password])
		expect(file.text).not.toContain(secret);
	expect(file.text).not.toMatch(/token|@kring\.test/i);

	// Readable: words where Kring has them, the plan now and as it was accepted, people and the log.
	const data = JSON.parse(file.text);
	expect(data.conference).toMatchObject({
		title: ours.markers.title,
		question: ours.markers.question,
		phase: 'Plan aanvaard',
		erasedOnIsTheLatestDate: true
	});
	expect(data.brief.items).toEqual([
		{ label: 'Z1', by: 'Jeugdzorg Pieter', theme: 'Anders', text: ours.markers.concern }
	]);
	expect(data.plan.agreements.map((agreement: { text: string }) => agreement.text)).toEqual([ours.markers.agreement]);
	expect(data.plan.monitor).toBe(ours.markers.typed);
	expect(data.acceptedVersions).toHaveLength(1);
	expect(data.acceptedVersions[0]).toMatchObject({ version: 1, conditions: ours.markers.conditions });
	expect(data.acceptedVersions[0].sha256).toBe((await boardData(ours.mother, ours.id)).board!.accepted!.sha256);
	expect(data.participants).toEqual(
		expect.arrayContaining([
			expect.objectContaining({ name: ours.markers.mother, role: 'Familie en netwerk', status: 'doet mee' }),
			expect.objectContaining({ name: ours.markers.stranger, status: 'niet binnengelaten' }),
			expect.objectContaining({ name: 'Jeugdzorg Pieter', role: 'Professional', presence: null })
		])
	);
	expect(data.invites).toEqual(
		expect.arrayContaining([expect.objectContaining({ for: 'Professional', name: ours.markers.professionalInvite })])
	);
	// The download is in the log it hands over, and on the board.
	expect(data.log.at(-1)).toMatchObject({ who: ours.markers.uncle, what: 'heeft alle gegevens gedownload' });
	const log = (await boardData(ours.mother, ours.id)).board!.audit;
	expect(log.some((entry) => entry.action === 'data.exported' && entry.actor === ours.markers.uncle)).toBe(true);

	// The coordinator and the professional have their own files: this one is not theirs.
	for (const staff of [coordinator.client, ours.professional]) {
		const refused = await download(staff, ours.id);
		expect(refused.status).toBe(403);
		for (const marker of Object.values(ours.markers)) expect(refused.text).not.toContain(marker);
		expect((await boardData(staff, ours.id)).board!.actions).not.toContain('download_my_data');
	}
	// Another family, and a device still waiting at the door, get nothing either.
	expect((await download(theirs.mother, ours.id)).status).toBe(404);
	const waiting = await joinByLink(server, ours.familyLink, 'Iemand bij de deur');
	expect(waiting.status).toBe('waiting');
	const atTheDoor = await download(waiting.client, ours.id);
	expect(atTheDoor.status).toBe(403);
	for (const marker of Object.values(ours.markers)) expect(atTheDoor.text).not.toContain(marker);
});
