import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { openPgliteInMemory, schema, type Connection } from './db';
import { DocStore } from './doc-store';
import { registry } from './registry';
import { TASKS, type FoldInput } from './workers/tasks';

/**
 * Compactions on the embedded database, which runs one transaction at a time. The fold (in a
 * worker thread in production) runs here in the test's own thread, and can be held at a gate, so
 * the test decides what happens while a compaction folds.
 */
const folds = vi.hoisted(() => ({ gate: null as Promise<void> | null, started: () => {} }));

vi.mock('./workers/pool', () => ({
	workerPool: () => ({
		run: async (_name: 'fold', input: FoldInput) => {
			const gate = folds.gate;
			if (gate) {
				folds.gate = null; // only the first fold after the gate was set waits at it
				folds.started();
				await gate;
			}
			return TASKS.fold(input);
		}
	})
}));

let connection: Connection;

beforeAll(async () => {
	connection = await openPgliteInMemory();
	const { db } = connection;
	await db.insert(schema.users).values({ id: 'coordinator', email: 'c@example.org', name: 'C', role: 'coordinator' });
	for (const id of ['devries', 'jansen', 'bakker'])
		await db.insert(schema.conferences).values({
			id,
			title: id,
			question: 'Hoe zorgen we samen dat het goed gaat?',
			phase: 'information',
			roomCode: id,
			coordinatorId: 'coordinator'
		});
	registry().database = Promise.resolve(connection);
});

afterAll(async () => {
	registry().database = undefined;
	await connection.close();
});

/** A family member's phone: every keystroke is one update, stored as the server would. */
function phone(store: DocStore, conferenceId: string) {
	const doc = new Y.Doc();
	const typed: Promise<unknown>[] = [];
	doc.on('update', (update: Uint8Array) => typed.push(store.appendUpdate(conferenceId, 'plan', update, 'family')));
	return {
		type: async (words: string) => {
			const text = doc.getText('contingency');
			for (const letter of words) text.insert(text.length, letter);
			await Promise.all(typed);
		}
	};
}

/** Holds the next fold at a gate; resolves `started` once it waits there. */
function holdNextFold() {
	let open = () => {};
	folds.gate = new Promise<void>((resolve) => (open = resolve));
	const started = new Promise<void>((resolve) => (folds.started = resolve));
	return { started, open };
}

async function storedText(store: DocStore, conferenceId: string): Promise<string> {
	const state = await store.loadState(conferenceId, 'plan');
	const doc = new Y.Doc();
	if (state) Y.applyUpdate(doc, state);
	return doc.getText('contingency').toString();
}

it("another family's edit is stored while a big plan is folded, not after the fold", async () => {
	const store = new DocStore(1e9);
	await phone(store, 'devries').type('Oma haalt Noor op');
	const fold = holdNextFold();
	const compaction = store.compact('devries', 'plan').then(() => 'the compaction finished' as const);
	await fold.started;
	// The fold is held; were its transaction open, the embedded database could store nothing else.
	const stored = phone(store, 'jansen')
		.type('Bob')
		.then(() => 'the edit was stored' as const);
	const unblock = setTimeout(fold.open, 2000);
	expect(await Promise.race([stored, compaction])).toBe('the edit was stored');
	fold.open();
	clearTimeout(unblock);
	await compaction;
	expect(await storedText(store, 'devries')).toBe('Oma haalt Noor op');
	expect(await storedText(store, 'jansen')).toBe('Bob');
});

it('a compaction that folded while another one wrote its snapshot loses no edit', async () => {
	const store = new DocStore(1e9);
	const henk = phone(store, 'bakker');
	await henk.type('Oma haalt Noor op, dinsdag');
	const fold = holdNextFold();
	const first = store.compact('bakker', 'plan');
	await fold.started;
	// Meanwhile: one more edit, and a second compaction (another instance's) folds it in and deletes its row.
	await henk.type(' en donderdag');
	await store.compact('bakker', 'plan');
	fold.open();
	await first;
	expect(await storedText(store, 'bakker')).toBe('Oma haalt Noor op, dinsdag en donderdag');
});
