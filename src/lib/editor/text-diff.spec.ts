import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyInputValue } from './text-diff';

const word = (letters: string) => fc.string({ unit: fc.constantFrom(...letters), minLength: 1, maxLength: 20 });

describe('applyInputValue', () => {
	it('leaves the text equal to what the input shows, for any edit', () => {
		fc.assert(
			fc.property(fc.string(), fc.string(), (before, after) => {
				const doc = new Y.Doc();
				const text = doc.getText('field');
				text.insert(0, before);
				applyInputValue(text, after, null);
				expect(text.toString()).toBe(after);
			})
		);
	});

	it('keeps both people’s typing when they edit different ends of one field at once', () => {
		fc.assert(
			// Letters from three alphabets, so "where did each person type" has one answer.
			fc.property(word('abc'), word('xyz'), word('pqr'), (middle, start, end) => {
				const a = new Y.Doc();
				const b = new Y.Doc();
				a.getText('when').insert(0, middle);
				Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
				applyInputValue(a.getText('when'), start + middle, null);
				applyInputValue(b.getText('when'), middle + end, null);
				Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
				Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
				expect(a.getText('when').toString()).toBe(start + middle + end);
				expect(b.getText('when').toString()).toBe(a.getText('when').toString());
			})
		);
	});
});
