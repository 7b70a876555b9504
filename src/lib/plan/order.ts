import { generateKeyBetween, generateNKeysBetween } from 'fractional-indexing';
import type * as Y from 'yjs';
import { positionOf } from './shape';

/**
 * The family's order of its cards, as position keys (fractional-indexing): moving a card sets one
 * string on it, so a move and someone typing in that card at once both survive, and two phones
 * moving cards at once converge (the last key set on a card wins; equal keys fall back to the list
 * order, which every phone shares). Moving the Y.Map itself would delete and re-create it, and
 * with it whatever was typed into it meanwhile. docs/design.md §4.
 */

/** Keys usable as neighbours: set, well-formed and strictly increasing. */
function keysAreUsable(keys: string[]): boolean {
	try {
		for (let i = 0; i < keys.length; i++) {
			if (keys[i] === '' || (i > 0 && keys[i - 1] >= keys[i])) return false;
			// Throws on a key fractional-indexing did not make (an old card, another app).
			generateKeyBetween(keys[i], null);
		}
		return true;
	} catch {
		return false;
	}
}

/** The keys of the cards in this order, renumbering them all first when any is unusable. */
function usableKeys(cards: readonly Y.Map<unknown>[]): string[] {
	const keys = cards.map(positionOf);
	if (keysAreUsable(keys)) return keys;
	const fresh = generateNKeysBetween(null, null, cards.length);
	cards.forEach((card, i) => card.set('position', fresh[i]));
	return fresh;
}

/** A position after every card in `ordered` (the plan's cards, in order), for a new card. */
export function positionAtEnd(ordered: readonly Y.Map<unknown>[]): string {
	const keys = usableKeys(ordered);
	return generateKeyBetween(keys.at(-1) ?? null, null);
}

/**
 * Moves the card at `from` to `to` in `ordered` (the plan's cards as shown). Call inside one
 * transaction: a renumbering and the move are then one change, and one undo step.
 */
export function moveCard(ordered: readonly Y.Map<unknown>[], from: number, to: number): void {
	if (from === to || from < 0 || to < 0 || from >= ordered.length || to >= ordered.length) return;
	const keys = usableKeys(ordered);
	const restKeys = keys.filter((_, i) => i !== from);
	ordered[from].set('position', generateKeyBetween(restKeys[to - 1] ?? null, restKeys[to] ?? null));
}
