import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/**
 * Holds the frames sent to a socket in one turn of the event loop and writes them in one system
 * call when the turn ends. An edit reaches a socket as two messages (the update, then the writer's
 * caret), and a group commit releases several edits of a room at once: without this each frame
 * is a writev of its own, which was the largest cost of a busy server (docs/design.md, "Speed").
 */
const corked = new Set<Duplex>();
let scheduled = false;

export function corkUntilTurnEnds(socket: WebSocket): void {
	// ws has no public cork; its underlying net.Socket is `_socket` (null before it opens and after close).
	const raw = (socket as unknown as { _socket?: Duplex | null })._socket;
	if (!raw || corked.has(raw) || raw.destroyed) return;
	raw.cork();
	corked.add(raw);
	if (!scheduled) {
		scheduled = true;
		setImmediate(uncorkAll);
	}
}

function uncorkAll(): void {
	scheduled = false;
	for (const raw of corked) if (!raw.destroyed) raw.uncork();
	corked.clear();
}
