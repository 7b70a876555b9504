import { createSubscriber } from 'svelte/reactivity';
import * as Y from 'yjs';

// Yjs's base type of Y.Map, Y.Array, Y.Text and Y.XmlFragment, whatever events they send.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the event type differs per Y type
type YType = Y.AbstractType<any>;

const shallow = new WeakMap<YType, () => void>();
const deep = new WeakMap<YType, () => void>();

function subscriberFor(cache: WeakMap<YType, () => void>, type: YType, isDeep: boolean): () => void {
	let subscribe = cache.get(type);
	if (!subscribe) {
		subscribe = createSubscriber((update) => {
			// A transaction can end while Svelte is still running a derived; the view catches up a
			// microtask later instead of changing state in the middle of it.
			const changed = () => queueMicrotask(update);
			if (isDeep) type.observeDeep(changed);
			else type.observe(changed);
			return () => (isDeep ? type.unobserveDeep(changed) : type.unobserve(changed));
		});
		cache.set(type, subscribe);
	}
	return subscribe;
}

/**
 * Hands back the Y type itself, after telling Svelte that the effect reading it depends on this
 * one type: it re-runs when the type changes (a key set, an item added or removed, a letter typed
 * in this text), not when a type inside it or anywhere else in the document changes. A card that
 * reads its own agreement stays put while someone types in the next one. Outside an effect it is
 * a plain read.
 */
export function watch<T extends YType>(type: T): T {
	subscriberFor(shallow, type, false)();
	return type;
}

/** As `watch`, for a view that shows the whole subtree (rich text rendered as HTML). */
export function watchDeep<T extends YType>(type: T): T {
	subscriberFor(deep, type, true)();
	return type;
}

/** The items of a shared list; the reader depends on the list, not on what is inside its items. */
export function readArray<T>(array: Y.Array<T>): T[] {
	return watch(array).toArray();
}

/** One key of a shared map; the reader depends on the map's own keys, not on their contents. */
export function readKey(map: Y.Map<unknown>, key: string): unknown {
	return watch(map).get(key);
}

/** The text of a Y.Text, or '' for anything else. */
export function readText(text: unknown): string {
	return text instanceof Y.Text ? watch(text).toString() : '';
}

/** The strings in a shared list of names or ids, or none for anything else. */
export function readStrings(list: unknown): string[] {
	return list instanceof Y.Array ? readArray(list).filter((v): v is string => typeof v === 'string') : [];
}
