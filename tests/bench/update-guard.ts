/**
 * `node --import tsx tests/bench/update-guard.ts`: what the update guard costs. Figures only, no
 * assertions, in-process (no server, no database): the guard is pure.
 *
 *   - a normal keystroke on a 30-card plan: the guard's time beside applying it to the room
 *   - a phone's hour of offline typing coming back in one update
 *   - each hostile shape, made as big as the 512 KiB message limit lets it be: time to refuse it
 *     (and, for the few that the limits still let in, time to take them)
 */
import { loadavg } from 'node:os';
import * as Y from 'yjs';
import { UpdateGuard } from '../../src/lib/plan/update-guard';
import { agreementsOf, createGroundRule, groundRulesOf, metaText } from '../../src/lib/plan/shape';
import {
	bigInsertUpdate,
	editedWith,
	gcStructsUpdate,
	manyClientsUpdate,
	missingPredecessorUpdate,
	nestedArrayUpdate,
	nestedTypesUpdate,
	pendingDeletesUpdate,
	scatteredDeletesUpdate
} from '../support/hostile-updates';
import { addAgreement, typeForAnHour } from '../support/edits';
import { median, ms as millis, percentile, table } from './stats';

/** Milliseconds, or microseconds below one. */
const ms = (value: number) => (value < 1 ? `${(value * 1000).toFixed(0)} µs` : millis(value));
const print = (...args: Parameters<typeof table>) => console.log(table(...args));

const LIMIT = 512 * 1024;
const ROUNDS = 7;

/** A 30-card plan typed key by key on six phones, as the guard spec builds it. */
function thirtyCardPlan(): Y.Doc {
	const room = new Y.Doc();
	const phones = Array.from({ length: 6 }, () => new Y.Doc());
	const sync = () => {
		for (const phone of phones) Y.applyUpdate(room, Y.encodeStateAsUpdate(phone, Y.encodeStateVector(room)));
		for (const phone of phones) Y.applyUpdate(phone, Y.encodeStateAsUpdate(room, Y.encodeStateVector(phone)));
	};
	for (let card = 0; card < 30; card++) {
		const phone = phones[card % phones.length];
		addAgreement(phone, '', { theme: 'work', createdBy: `Telefoon ${card % 6}` });
		const agreement = agreementsOf(phone).get(agreementsOf(phone).length - 1);
		const text = ((agreement.get('text') as Y.XmlFragment).get(0) as Y.XmlElement).get(0) as Y.XmlText;
		for (const char of 'Oma haalt Noor elke woensdag op van school, en op vrijdag gaat ze naar opa.')
			text.insert(text.length, char);
		const when = agreement.get('when') as Y.Text;
		for (const char of 'woensdag 15:00') when.insert(when.length, char);
		(agreement.get('who') as Y.Array<string>).push(['Oma', 'Noor']);
		sync();
	}
	for (let i = 0; i < 8; i++) groundRulesOf(phones[0]).push([createGroundRule('We laten elkaar uitpraten')]);
	for (const field of ['monitor', 'evaluation', 'contingency'] as const)
		metaText(phones[1], field).insert(0, 'Oom Kees kijkt elke maand of het lukt.');
	sync();
	return room;
}

function timed(run: () => void): number {
	const started = performance.now();
	run();
	return performance.now() - started;
}

const plan = thirtyCardPlan();
const state = Y.encodeStateAsUpdate(plan);
console.log(
	`update guard bench — load average ${loadavg()
		.map((n) => n.toFixed(2))
		.join(' ')}`
);
console.log(`30-card plan: ${state.length} bytes encoded\n`);

// A room with its guard; the first admit makes the scratch copy.
function roomWithGuard() {
	const room = new Y.Doc();
	Y.applyUpdate(room, state);
	return { room, guard: new UpdateGuard(room, 'plan') };
}

{
	const { room, guard } = roomWithGuard();
	const phone = new Y.Doc();
	Y.applyUpdate(phone, state);
	const keystrokes: Uint8Array[] = [];
	phone.on('update', (update: Uint8Array) => keystrokes.push(update));
	const when = agreementsOf(phone).get(12).get('when') as Y.Text;
	const text = ((agreementsOf(phone).get(3).get('text') as Y.XmlFragment).get(0) as Y.XmlElement).get(0) as Y.XmlText;
	for (let i = 0; i < 1000; i++) (i % 2 ? when : text).insert(i % 2 ? when.length : text.length, 'x');
	// The alternative to keeping copies: a fresh copy of the room for every update.
	const clones: number[] = [];
	for (let i = 0; i < 50; i++)
		clones.push(
			timed(() => {
				const copy = new Y.Doc();
				Y.applyUpdate(copy, Y.encodeStateAsUpdate(room));
				copy.destroy();
			})
		);
	const first = timed(() => guard.admit(keystrokes[0]));
	guard.applyAdmitted(() => Y.applyUpdate(room, keystrokes[0]), keystrokes[0]);
	const guarded: number[] = [];
	const applied: number[] = [];
	for (const keystroke of keystrokes.slice(1)) {
		guarded.push(timed(() => guard.admit(keystroke)));
		// As the room applies an update once it is stored.
		applied.push(timed(() => guard.applyAdmitted(() => Y.applyUpdate(room, keystroke), keystroke)));
	}
	print(
		'(a) one keystroke on a 30-card plan (999 keystrokes, each admitted, then applied to the room)',
		['', 'p50', 'p95', 'max'],
		[
			['update guard', ms(median(guarded)), ms(percentile(guarded, 95)), ms(Math.max(...guarded))],
			['applying it to the room', ms(median(applied)), ms(percentile(applied, 95)), ms(Math.max(...applied))],
			['first keystroke in a room (makes the scratch copy)', ms(first), '', ''],
			[
				'a fresh copy of the room per update instead (50 copies)',
				ms(median(clones)),
				ms(percentile(clones, 95)),
				ms(Math.max(...clones))
			]
		]
	);
}

{
	const { guard } = roomWithGuard();
	const phone = new Y.Doc();
	Y.applyUpdate(phone, state);
	typeForAnHour(phone, { keys: 12_000 });
	const catchUp = Y.encodeStateAsUpdate(phone, Y.encodeStateVector(plan));
	const times: number[] = [];
	for (let i = 0; i < ROUNDS; i++) {
		const fresh = roomWithGuard();
		times.push(timed(() => fresh.guard.admit(catchUp)));
	}
	const verdict = guard.admit(catchUp);
	print(
		'(b) a phone back from an hour of offline typing (12,000 keys), one update',
		['bytes', 'verdict', 'p50', 'max'],
		[[String(catchUp.length), verdict.ok ? 'admitted' : verdict.rule, ms(median(times)), ms(Math.max(...times))]]
	);
}

/** Hostile shapes, each as large as fits in one message. */
const hostile: [string, () => Uint8Array][] = [
	['array nested 5,500 deep (as seen)', () => nestedArrayUpdate(5_500)],
	['array nested 260,000 deep', () => nestedArrayUpdate(260_000)],
	['shared types nested 6,000 deep', () => nestedTypesUpdate(6_000)],
	['shared types nested 45,000 deep', () => nestedTypesUpdate(45_000)],
	['27,000 new clients, one character each', () => manyClientsUpdate(27_000)],
	['260,000 GC structs', () => gcStructsUpdate(260_000)],
	['100,000 deletions, clients that do not exist', () => pendingDeletesUpdate({ clients: 2, ranges: 50_000 })],
	['a character after one that never existed', () => missingPredecessorUpdate({ client: 99, clock: 7 })],
	[
		'an agreement’s text replaced by a plain text',
		() => editedWith(state, (doc) => agreementsOf(doc).get(5).set('text', new Y.Text('x')))
	],
	['bytes that are not an update', () => new Uint8Array(LIMIT).fill(0x88)]
];

const rows: string[][] = [];
for (const [what, make] of hostile) {
	const update = make();
	const times: number[] = [];
	let verdict = '';
	for (let i = 0; i < ROUNDS; i++) {
		const { guard } = roomWithGuard();
		guard.admit(editedWith(state, (doc) => metaText(doc, 'monitor').insert(0, '.')));
		const started = performance.now();
		const result = guard.admit(update);
		times.push(performance.now() - started);
		verdict = result.ok ? 'admitted' : result.rule;
	}
	rows.push([what, String(update.length), verdict, ms(median(times)), ms(Math.max(...times))]);
}
print(
	'(c) hostile updates within the 512 KiB message limit: time to refuse (scratch copy already made; includes making it again)',
	['shape', 'bytes', 'verdict', 'p50', 'max'],
	rows
);

// What the limits still let in, at their largest.
{
	const heavy: [string, (room: Y.Doc) => Uint8Array][] = [
		['500,000 characters in one insert', () => bigInsertUpdate(500_000)],
		[
			'10,000 new deletions scattered through a text',
			(room) => {
				const writer = new Y.Doc();
				Y.applyUpdate(writer, Y.encodeStateAsUpdate(room));
				metaText(writer, 'evaluation').insert(0, 'x'.repeat(20_000));
				Y.applyUpdate(room, Y.encodeStateAsUpdate(writer));
				return scatteredDeletesUpdate(writer.clientID, 10_000);
			}
		]
	];
	const heavyRows: string[][] = [];
	for (const [what, make] of heavy) {
		const times: number[] = [];
		const roomTimes: number[] = [];
		let verdict = '';
		let size = 0;
		for (let i = 0; i < ROUNDS; i++) {
			const { room, guard } = roomWithGuard();
			const update = make(room);
			size = update.length;
			guard.admit(editedWith(Y.encodeStateAsUpdate(room), (doc) => metaText(doc, 'monitor').insert(0, '.')));
			const started = performance.now();
			const result = guard.admit(update);
			times.push(performance.now() - started);
			verdict = result.ok ? 'admitted' : result.rule;
			roomTimes.push(timed(() => Y.applyUpdate(room, update)));
		}
		heavyRows.push([what, String(size), verdict, ms(median(times)), ms(Math.max(...times)), ms(median(roomTimes))]);
	}
	print(
		'(d) the largest updates the limits let in',
		['shape', 'bytes', 'verdict', 'guard p50', 'guard max', 'room apply p50'],
		heavyRows
	);
}
