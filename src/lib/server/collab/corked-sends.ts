import type { Duplex } from 'node:stream';

/**
 * Holds the frames sent to a socket in one turn of the event loop and writes them in one system
 * call when the turn ends. An edit reaches a socket as two messages (the update, then the writer's
 * caret), and a group commit releases several edits of a room at once: without this each frame
 * is a writev of its own, which was the largest cost of a busy server (docs/design.md, "Speed").
 *
 * `transport` is the network socket the upgrade handed to ws (`handleUpgrade(request, socket, …)`):
 * ws writes every frame into that very socket, so corking it is ours to do, with no private field
 * of ws. corked-sends.spec.ts proves that frames ws sends wait in it until the turn ends.
 */
const corked = new Set<Duplex>();
let scheduled = false;

export function corkUntilTurnEnds(transport: Duplex): void {
	if (corked.has(transport) || transport.destroyed) return;
	transport.cork();
	corked.add(transport);
	if (!scheduled) {
		scheduled = true;
		setImmediate(uncorkAll);
	}
}

function uncorkAll(): void {
	scheduled = false;
	for (const transport of corked) if (!transport.destroyed) transport.uncork();
	corked.clear();
}
