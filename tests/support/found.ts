/**
 * Which of these strings occur in what someone received: bytes off a socket, each message of a
 * list (a string split across two messages is not found), a document's state, a page, the logs.
 * Needles are searched as UTF-8, the way Yjs and HTTP carry text.
 */
export function found(haystack: string | Uint8Array | readonly Uint8Array[], needles: readonly string[]): string[] {
	if (typeof haystack === 'string') return needles.filter((needle) => haystack.includes(needle));
	const pieces = haystack instanceof Uint8Array ? [haystack] : haystack;
	const buffers = pieces.map((piece) => Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
	return needles.filter((needle) => buffers.some((buffer) => buffer.includes(needle, 0, 'utf8')));
}
