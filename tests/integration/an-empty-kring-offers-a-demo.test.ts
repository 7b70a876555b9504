import { afterAll, expect, it } from 'vitest';
import { Browser, expectAction } from '../support/http-client';
import { startKring, type KringServer } from '../support/server';
import { boardData, createConference } from '../support/steps';

/**
 * On an empty database the setup link offers a demo (docs/design.md §5.1): one click makes the
 * first account and Johan's conference in every phase, with example people, marked as a demo, so
 * that a newcomer sees a full board, the big screen and the PDF at once; one more click erases it
 * and leaves the coordinator's own conferences alone.
 */
let server: KringServer;
afterAll(() => server?.stop());

type StaffPage = { conferences: { id: string; title: string; phase: string }[]; demo: boolean };

it('the first account can start with a demo of Johan in every phase, and erase it again', async () => {
	server = await startKring();
	expect(server.logs()).toContain('the page also offers a demo');
	const carla = new Browser(server, 'a newcomer');
	expectAction(
		await carla.action(server.setupPath!, 'default', {
			name: 'Carla Coördinator',
			email: 'carla@kring.test',
			password: 'correct horse battery',
			demo: 'yes'
		}),
		'redirect'
	);

	const staff = (await carla.pageData<StaffPage>('/staff')).data;
	expect(staff.demo).toBe(true);
	const demos = staff.conferences.filter((conference) => conference.title === 'Johan (demo)');
	expect(demos.map((conference) => conference.phase).sort()).toEqual(
		['accepted', 'information', 'preparation', 'presentation', 'private'].sort()
	);
	const byPhase = Object.fromEntries(demos.map((conference) => [conference.phase, conference.id]));

	// A full board with example people, marked as a demo.
	const presented = (await boardData(carla, byPhase.presentation)).board!;
	expect(presented).toMatchObject({ demo: true, access: { plan: 'read' } });
	expect(presented.participants.map((person) => person.name)).toEqual(
		expect.arrayContaining(['Johan', 'Oom Herman', 'Opa', 'Gezinsvoogd'])
	);
	// The big screen and the PDF of the accepted plan.
	const present = await carla.get(`/c/${byPhase.presentation}/present`);
	expect(present.status).toBe(200);
	const accepted = (await boardData(carla, byPhase.accepted)).board!;
	expect(accepted.accepted).toMatchObject({ version: 1 });
	expect(
		(accepted as unknown as { followUp: { evaluation: { daysUntil: number } } }).followUp.evaluation.daysUntil
	).toBe(91);
	const pdf = await carla.get(`/c/${byPhase.accepted}/plan.pdf`);
	expect(pdf.status).toBe(200);
	expect(pdf.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
	// In private time the demo's coordinator sees what any coordinator sees then: nothing.
	expect((await boardData(carla, byPhase.private)).board!.access.plan).toBe('none');

	// Her own conference stays when the demo goes; the demo's example account goes with it.
	const own = await createConference(carla, { title: 'Familie Bakker' });
	expectAction(await carla.action('/staff', 'eraseDemo'), 'success');
	const after = (await carla.pageData<StaffPage>('/staff')).data;
	expect(after.demo).toBe(false);
	expect(after.conferences.map((conference) => conference.id)).toEqual([own]);
	expect((await carla.get(`/c/${byPhase.accepted}`)).status).toBe(404);
});

it('without the demo, the first account starts empty', async () => {
	const empty = await startKring();
	try {
		const carla = new Browser(empty, 'a coordinator who wants no demo');
		expectAction(
			await carla.action(empty.setupPath!, 'default', {
				name: 'Carla',
				email: 'carla@kring.test',
				password: 'correct horse battery'
			}),
			'redirect'
		);
		expect((await carla.pageData<StaffPage>('/staff')).data).toMatchObject({ conferences: [], demo: false });
	} finally {
		await empty.stop();
	}
});
