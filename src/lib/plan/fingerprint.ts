import { sha256 } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import type * as Y from 'yjs';
import { canonicalJson, readPlan } from './shape';

/**
 * The plan as a reader sees it (every card outside the bin, the ground rules, the meta fields,
 * the circle, the translations), as one SHA-256. The professional's board sends it with an
 * acceptance and the server compares it with the stored plan: an acceptance names the plan it
 * accepted, and a change of the plan after it voids it (docs/design.md §7).
 */
export function planFingerprint(doc: Y.Doc): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(canonicalJson(readPlan(doc)))));
}
