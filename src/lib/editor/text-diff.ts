import type * as Y from 'yjs';

/**
 * The origin of what this phone typed into a plain field: the board's undo follows it (and
 * plain structural changes, origin null), never what came from the server.
 */
export const LOCAL_EDIT = Symbol('kring-local-edit');

/**
 * Turns an input's new value into the smallest Yjs edit: keep the common start and end, replace
 * the middle. Two people typing in different places of one field then both keep their letters.
 */
export function applyInputValue(text: Y.Text, next: string, origin: unknown): void {
	const previous = text.toString();
	if (previous === next) return;
	let prefix = 0;
	while (prefix < previous.length && prefix < next.length && previous[prefix] === next[prefix]) prefix++;
	let suffix = 0;
	while (
		suffix < previous.length - prefix &&
		suffix < next.length - prefix &&
		previous[previous.length - 1 - suffix] === next[next.length - 1 - suffix]
	)
		suffix++;
	const apply = () => {
		const removed = previous.length - prefix - suffix;
		if (removed > 0) text.delete(prefix, removed);
		const inserted = next.slice(prefix, next.length - suffix);
		if (inserted) text.insert(prefix, inserted);
	};
	if (text.doc) text.doc.transact(apply, origin);
	else apply();
}
