/**
 * One Kring serves many conferences. While it folds the De Vries family's big plan (5,000
 * agreements, one stored update each) into a snapshot, and while it makes the PDF of the Van
 * Dijks' accepted plan, the Jansens keep typing: every keystroke Bob makes reaches Carla's phone.
 * The server's event loop, measured inside the server, is never held long by that work: it runs
 * in worker threads. Done on the event loop (before), the compaction held it for 4.8 s and the PDF
 * for 2.7 s on this two-core machine at a load average of 18, and every keystroke of every room
 * waited that long.
 *
 * The bound asked of the server's loop is 500 ms: at that load the longest block measured while the
 * work ran in worker threads was 160–290 ms, most of it other processes' time and garbage
 * collection of a heap that holds the big plan three times (the room and the update guard's two
 * copies); a profile of the server (3,000 agreements) showed no stretch of its own work over
 * 35 ms while the compaction and the PDF ran. The bound is asked of the server's own time on a CPU
 * (src/lib/server/event-loop-probe.ts); the wall-clock figure (300–850 ms at a load of 8–15) is printed.
 */
import { expect, it } from 'vitest';
import * as Y from 'yjs';
import { addAgreement, typeInto } from '../support/edits';
import { readEventLoop } from '../support/event-loop';
import { databaseOf, kringForThisFile, type KringServer } from '../support/server';
import { acceptPlan, changePhase, conferenceWithFamily, handOver } from '../support/steps';
import { waitUntil, type LiveDoc } from '../support/yjs-client';

const COMPACT_AFTER = 20;
const BOUND_MS = 500;

const kring = kringForThisFile({
	database: 'postgres',
	env: { KRING_EVENT_LOOP_PROBE: '1', KRING_COMPACT_AFTER: String(COMPACT_AFTER) }
});

/** Stores a plan of `count` agreements as a log of one update per agreement, as phones would have. */
async function storePlan(server: KringServer, conferenceId: string, count: number, words: number): Promise<void> {
	const doc = new Y.Doc();
	const rows: { conference_id: string; document_name: string; update: Buffer }[] = [];
	doc.on('update', (update: Uint8Array) =>
		rows.push({ conference_id: conferenceId, document_name: 'plan', update: Buffer.from(update) })
	);
	const sentence = 'Oma haalt de kinderen op dinsdag en donderdag van school en belt als het niet lukt.';
	for (let i = 0; i < count; i++)
		addAgreement(doc, `${i + 1}. ${Array.from({ length: words }, () => sentence).join(' ')}`, {
			who: ['Oma'],
			when: 'dinsdag'
		});
	doc.destroy();
	const sql = await databaseOf(server);
	try {
		for (let i = 0; i < rows.length; i += 500) await sql`insert into doc_updates ${sql(rows.slice(i, i + 500))}`;
	} finally {
		await sql.end();
	}
}

/** Bob types a word, Carla's phone shows it; again and again until stopped. Counts the round trips. */
function keepTyping(bob: LiveDoc, carla: LiveDoc) {
	const state = { roundTrips: 0, running: true };
	const done = (async () => {
		for (let word = 0; state.running; word++) {
			const text = `woord${word} `;
			await typeInto(bob.doc, 'monitor', text);
			await waitUntil(() => carla.doc.getText('monitor').toString().includes(text), 'Carla sees what Bob typed', {
				docs: [carla.doc]
			});
			state.roundTrips++;
		}
	})();
	return { state, stop: () => ((state.running = false), done) };
}

it('a big plan folded into a snapshot and an accepted plan made into a PDF do not hold up another family’s typing', async () => {
	const { server, coordinator, docs } = kring;
	const sql = await databaseOf(server);
	try {
		// The Jansens are at work on their plan.
		const jansens = await conferenceWithFamily(server, coordinator.client, ['Bob', 'Carla'], { title: 'Jansen' });
		const [bob, carla] = jansens.family.map((member) => docs.open(member.client, jansens.conferenceId, 'plan'));
		await Promise.all([bob.synced, carla.synced]);

		// The De Vries family's plan has grown to 5,000 agreements; Anna has it open, and her
		// first keystroke is in (the room and its guard hold the document now).
		const deVries = await conferenceWithFamily(server, coordinator.client, ['Anna'], { title: 'De Vries' });
		await storePlan(server, deVries.conferenceId, 5_000, 1);
		const anna = docs.open(deVries.family[0].client, deVries.conferenceId, 'plan');
		await anna.synced;
		await typeInto(anna.doc, 'monitor', 'A');

		// The Van Dijks' plan is accepted (100 agreements, some twenty pages).
		const vanDijks = await conferenceWithFamily(server, coordinator.client, ['Dirk'], { title: 'Van Dijk' });
		await storePlan(server, vanDijks.conferenceId, 100, 3);
		await changePhase(coordinator.client, vanDijks.conferenceId, 'information');
		await handOver(coordinator.client, vanDijks.conferenceId, vanDijks.family);
		await changePhase(vanDijks.family[0].client, vanDijks.conferenceId, 'presentation');
		await acceptPlan(coordinator.client, vanDijks.conferenceId);

		const typing = keepTyping(bob, carla);
		await waitUntil(() => typing.state.roundTrips >= 3, 'the Jansens are typing');

		// Anna's keystrokes take the De Vries log to the compaction point: 5,000 rows are folded.
		await readEventLoop(server);
		const beforeCompaction = typing.state.roundTrips;
		await typeInto(anna.doc, 'monitor', 'nna'.padEnd(COMPACT_AFTER - 1, '.'));
		await waitUntil(
			async () =>
				(
					await sql`select 1 from doc_snapshots where conference_id = ${deVries.conferenceId} and document_name = 'plan'`
				).length > 0,
			'the De Vries plan is folded into a snapshot'
		);
		const keysBefore = typing.state.roundTrips;
		await waitUntil(() => typing.state.roundTrips > keysBefore, 'another keystroke reaches Carla');
		const compaction = await readEventLoop(server);
		const duringCompaction = typing.state.roundTrips - beforeCompaction;

		// Dirk downloads the Van Dijks' accepted plan as a PDF.
		const beforePdf = typing.state.roundTrips;
		const pdf = await vanDijks.family[0].client.get(`/c/${vanDijks.conferenceId}/plan.pdf`);
		expect(pdf.status).toBe(200);
		expect(pdf.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
		const keysAfterPdf = typing.state.roundTrips;
		await waitUntil(() => typing.state.roundTrips > keysAfterPdf, 'another keystroke reaches Carla');
		const printing = await readEventLoop(server);
		const duringPdf = typing.state.roundTrips - beforePdf;
		await typing.stop();

		console.log(
			`longest event-loop block: ${compaction.longestBlockMs} ms while 5,000 rows were compacted ` +
				`(${duringCompaction} keystrokes went round), ${printing.longestBlockMs} ms while a PDF was made ` +
				`(${duringPdf} keystrokes went round); of the server's own on a CPU: ${compaction.cpuBlockMs} ms and ${printing.cpuBlockMs} ms`
		);
		// The server's own work (its main thread's time on a CPU), not other processes' time on a busy machine.
		expect(compaction.cpuBlockMs ?? compaction.longestBlockMs).toBeLessThan(BOUND_MS);
		expect(printing.cpuBlockMs ?? printing.longestBlockMs).toBeLessThan(BOUND_MS);
		// Nothing Bob typed was lost on the way.
		await waitUntil(
			() => carla.doc.getText('monitor').toString() === bob.doc.getText('monitor').toString(),
			'the Jansens agree'
		);
	} finally {
		await sql.end();
	}
}, 180_000);
