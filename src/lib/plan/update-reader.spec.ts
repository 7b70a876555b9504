import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createAgreement, agreementsOf, metaText } from '$lib/plan/shape';
import {
	gcStructsUpdate,
	longDeletedUpdate,
	manyClientsUpdate,
	nestedArrayUpdate,
	pendingDeletesUpdate
} from '../../../tests/support/hostile-updates';
import { assertDecodable, jsonDepth, readUpdate } from './update-reader';

function planUpdate(): Uint8Array {
	const doc = new Y.Doc();
	agreementsOf(doc).push([createAgreement({ createdBy: 'Anna' })]);
	metaText(doc, 'monitor').insert(0, 'Oom Kees kijkt mee');
	metaText(doc, 'monitor').delete(0, 4);
	doc.getText('monitor').format(0, 2, { bold: { nested: [1, [2]] } });
	return Y.encodeStateAsUpdate(doc);
}

describe('readUpdate', () => {
	it('reads what Yjs writes: the same structs, delete ranges and top-level parts', () => {
		const update = planUpdate();
		const read = readUpdate(update);
		expect(read.ok).toBe(true);
		if (!read.ok) return;
		const decoded = Y.decodeUpdate(update);
		expect(read.update.structCount).toBe(decoded.structs.length);
		expect(read.update.rangeCount).toBe([...decoded.ds.clients.values()].reduce((sum, list) => sum + list.length, 0));
		expect([...read.update.roots].sort()).toEqual(['agreements', 'monitor']);
		expect(read.update.jsonDepth).toBe(3);
		const section = read.update.clients[0];
		const last = section.structs[section.structs.length - 1];
		expect(last.clock + last.length).toBe(
			Y.decodeStateVector(Y.encodeStateVectorFromUpdate(update)).get(section.client)
		);
	});

	it('walks a value nested a million deep (2 MB) without recursion, and stops at the depth it is given', () => {
		const deep = nestedArrayUpdate(1_000_000);
		const unlimited = readUpdate(deep);
		expect(unlimited.ok && unlimited.update.jsonDepth).toBe(1_000_000);
		expect(readUpdate(deep, { maxJsonDepth: 16 })).toMatchObject({ ok: false, problem: 'too-deep' });
		// Yjs's own decoder recurses once per level and does not survive it.
		expect(() => Y.decodeUpdate(deep)).toThrow(RangeError);
	});

	it('stops at the first limit it passes', () => {
		expect(readUpdate(manyClientsUpdate(300), { maxClients: 256 })).toMatchObject({ problem: 'too-many-clients' });
		expect(readUpdate(gcStructsUpdate(1001), { maxStructs: 1000 })).toMatchObject({ problem: 'too-many-structs' });
		expect(readUpdate(pendingDeletesUpdate({ ranges: 101 }), { maxDeleteRanges: 100 })).toMatchObject({
			problem: 'too-many-deletions'
		});
		expect(readUpdate(longDeletedUpdate(2 ** 40), { maxClockSpan: 1_000_000 })).toMatchObject({ problem: 'too-long' });
	});

	it('refuses a count over its limit before it reads what is counted: a hostile update costs nothing more', () => {
		// Broken bytes right after the count: read struct by struct, they would be found first.
		const structs = gcStructsUpdate(1001);
		structs[11] = 31;
		expect(readUpdate(structs, { maxStructs: 2000 })).toMatchObject({ problem: 'malformed' });
		expect(readUpdate(structs, { maxStructs: 1000 })).toMatchObject({ problem: 'too-many-structs' });
		const clients = manyClientsUpdate(300);
		clients[4] = 31;
		expect(readUpdate(clients)).toMatchObject({ problem: 'malformed' });
		expect(readUpdate(clients, { maxClients: 256 })).toMatchObject({ problem: 'too-many-clients' });
	});

	it('checks an update without keeping it (assertDecodable) exactly as it reads one', () => {
		const update = planUpdate();
		const agree = (bytes: Uint8Array) => {
			const read = readUpdate(bytes, { maxJsonDepth: 2 });
			let checked = true;
			try {
				assertDecodable(bytes, 2);
			} catch {
				checked = false;
			}
			expect(checked).toBe(read.ok);
		};
		agree(update);
		fc.assert(
			fc.property(fc.nat(update.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
				const changed = update.slice();
				changed[at] = value;
				agree(changed);
			}),
			{ numRuns: 2000 }
		);
		fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), agree), { numRuns: 2000 });
	});

	it('calls every cut-off update malformed, and never throws on any bytes at all', () => {
		const update = planUpdate();
		for (let end = 0; end < update.length; end++)
			expect(readUpdate(update.subarray(0, end)), `cut at ${end}`).toMatchObject({ ok: false, problem: 'malformed' });
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
				readUpdate(bytes);
			}),
			{ numRuns: 2000 }
		);
		fc.assert(
			fc.property(fc.nat(update.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
				const changed = update.slice();
				changed[at] = value;
				readUpdate(changed);
			}),
			{ numRuns: 2000 }
		);
	});

	it('does not read past the end of a view into the rest of its buffer', () => {
		const update = planUpdate();
		const buffer = new Uint8Array(update.length + 64).fill(7);
		buffer.set(update.subarray(0, update.length - 10));
		expect(readUpdate(buffer.subarray(0, update.length - 10))).toMatchObject({ ok: false, problem: 'malformed' });
	});
});

describe('jsonDepth', () => {
	it('counts brackets outside strings only', () => {
		expect(jsonDepth('"plain"')).toBe(0);
		expect(jsonDepth('{"a":[1,{"b":"[[[[\\"]]"}]}')).toBe(3);
		expect(jsonDepth('['.repeat(100_000) + ']'.repeat(100_000))).toBe(100_000);
	});
});
