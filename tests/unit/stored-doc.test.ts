import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import {
	buildStoredDoc,
	decodeProblem,
	isUnreadableDocument,
	verifySnapshot,
	type StoredUpdate
} from '../../src/lib/server/stored-doc';
import { nestedArrayUpdate } from '../support/hostile-updates';

function typed(clientID: number, text: string): Y.Doc {
	const doc = new Y.Doc();
	doc.clientID = clientID;
	doc.getText('monitor').insert(0, text);
	return doc;
}

describe('reading a stored document back', () => {
	it('stops at a stored update that cannot be read, naming its row and nothing anyone wrote', () => {
		const good = Y.encodeStateAsUpdate(typed(1, 'Oma belt op maandag'));
		const damaged = Y.encodeStateAsUpdate(typed(2, 'Geheim adres van tante')).slice(0, -2);
		const rows: StoredUpdate[] = [
			{ id: 7, update: good },
			{ id: 8, update: damaged }
		];
		let caught: unknown;
		try {
			buildStoredDoc('conf1', 'plan', undefined, rows);
		} catch (error) {
			caught = error;
		}
		expect(isUnreadableDocument(caught)).toBe(true);
		expect((caught as Error).message).toContain('stored update 8 of conf1/plan cannot be read');
		expect((caught as Error).message).not.toMatch(/Geheim|tante|Oma/);
	});

	it('stops at a stored update nested thousands deep every time, warm or cold, before Yjs recurses into it', () => {
		const rows: StoredUpdate[] = [
			{ id: 7, update: Y.encodeStateAsUpdate(typed(1, 'Oma belt op maandag')) },
			{ id: 8, update: nestedArrayUpdate(5_500) }
		];
		expect(() => buildStoredDoc('conf1', 'plan', undefined, rows)).toThrow(
			'stored update 8 of conf1/plan cannot be read'
		);
		// The repair tool sees the same row as unreadable.
		expect(decodeProblem(rows[1].update)).toContain('UnreadableUpdateError');
		expect(decodeProblem(rows[0].update)).toBeNull();
	});

	it('stops at a stored snapshot that cannot be read', () => {
		const snapshot = { state: Y.encodeStateAsUpdate(typed(1, 'Opa kookt')).slice(0, 5), upToUpdateId: 40 };
		expect(() => buildStoredDoc('conf1', 'brief', snapshot, [])).toThrow(
			'the stored snapshot (up to update 40) of conf1/brief cannot be read'
		);
	});
});

describe('a new snapshot replaces the old one only when it reads back into the same document', () => {
	it('accepts the snapshot of the document itself', () => {
		const doc = typed(1, 'Henk brengt Noor naar voetbal');
		doc.getArray('agreements').push([new Y.Map([['theme', 'contact']])]);
		doc.getText('monitor').delete(0, 5);
		expect(() => verifySnapshot(doc, Y.encodeStateAsUpdate(doc))).not.toThrow();
	});

	it('refuses a snapshot that lacks a change', () => {
		const doc = typed(1, 'Henk brengt Noor');
		const older = Y.encodeStateAsUpdate(doc);
		doc.getText('monitor').insert(16, ' naar voetbal');
		expect(() => verifySnapshot(doc, older)).toThrow('other changes');
	});

	it('refuses a snapshot with the same changes but other content', () => {
		// Same client and clock, so the same state vector: only the content tells them apart.
		expect(() => verifySnapshot(typed(1, 'abc'), Y.encodeStateAsUpdate(typed(1, 'xyz')))).toThrow('other content');
	});

	it('refuses a snapshot that cannot be read', () => {
		const doc = typed(1, 'Lotte regelt de huur');
		expect(() => verifySnapshot(doc, Y.encodeStateAsUpdate(doc).slice(0, -3))).toThrow('does not read back');
	});
});
