import type { Catalogue, Misfits } from './catalogue';
import type { Locale } from './locales';
import { ar } from './messages/ar';
import { en } from './messages/en';
import { nl } from './messages/nl';
import { pl } from './messages/pl';
import { tr } from './messages/tr';

/**
 * Every catalogue, on the server only (a `.server` module cannot reach the browser): a page gets
 * the one catalogue of its language through the root layout's data.
 */
const CATALOGUES: { readonly [L in Locale]: Catalogue } = { nl, en, ar, tr, pl };

export function catalogueOf(locale: Locale): Catalogue {
	return CATALOGUES[locale];
}

/** Fails the type check, naming the key, when a translation's placeholders differ from the Dutch message's. */
export type PlaceholdersMatchTheDutch = [
	NoMisfits<Misfits<typeof en>>,
	NoMisfits<Misfits<typeof ar>>,
	NoMisfits<Misfits<typeof tr>>,
	NoMisfits<Misfits<typeof pl>>
];
type NoMisfits<Keys extends never> = Keys;
