import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Access } from '$lib/conference/access';
import type { Role } from '$lib/conference/phases';
import { corkUntilTurnEnds } from './corked-sends';
import type { PresenceUser } from './presence';

/** One socket on one document: who is behind it, and what it may do right now. */
export class CollabConnection {
	/** Yjs client ids whose presence this socket may publish (at most four: an array of their size, not a Set). */
	clientIds: readonly number[] = [];
	/** True until the server has checked again, with the socket registered, that its owner still has a place. */
	pending = true;
	private queue: Promise<void> = Promise.resolve();
	private deniedOnce = false;

	constructor(
		readonly socket: WebSocket,
		/** The hashed session behind the socket: signing out or leaving closes it. */
		readonly sessionId: string,
		readonly participantId: string,
		readonly role: Role,
		readonly user: PresenceUser,
		public access: Access,
		/** The network socket the upgrade handed to ws: frames of one turn are corked in it (corked-sends.ts). */
		private readonly transport?: Duplex
	) {}

	get open(): boolean {
		return this.socket.readyState === this.socket.OPEN;
	}

	/** Sends only while the connection may still read the document. */
	send(message: Uint8Array): void {
		if (this.access === 'none' || !this.open) return;
		if (this.transport) corkUntilTurnEnds(this.transport);
		this.socket.send(message, this.afterSend);
	}

	/** One callback for every send, not a closure each. */
	private readonly afterSend = (error?: Error) => {
		if (error) this.socket.terminate();
	};

	/** Messages of one socket are handled one after another, in the order they came. */
	enqueue(task: () => Promise<void>): void {
		this.queue = this.queue.then(task, task);
	}

	/** Tells a read-only client once why its edits are not taken. */
	shouldExplainDenial(): boolean {
		if (this.deniedOnce) return false;
		this.deniedOnce = true;
		return true;
	}

	downgradeAllowedAgain(): void {
		this.deniedOnce = false;
	}

	/**
	 * Closes for a restart and resolves once the socket is closed. Unlike close(), what the client
	 * sent before it saw the close frame is still taken and stored.
	 */
	closeForRestart(code: number, reason: string): Promise<void> {
		if (this.socket.readyState === this.socket.CLOSED) return Promise.resolve();
		const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
		if (this.socket.readyState !== this.socket.CLOSING) this.socket.close(code, reason);
		setTimeout(() => this.socket.terminate(), 2000).unref();
		return closed;
	}

	close(code: number, reason: string): void {
		this.access = 'none';
		if (this.socket.readyState === this.socket.OPEN || this.socket.readyState === this.socket.CONNECTING) {
			this.socket.close(code, reason);
			// A client that does not answer the close frame is cut off.
			setTimeout(() => this.socket.terminate(), 2000).unref();
		}
	}
}
