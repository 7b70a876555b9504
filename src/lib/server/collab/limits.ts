/**
 * What one socket, one session and one room may take of the live server (docs/design.md §5.2,
 * "Limits"): a socket is read at a bounded rate, a session keeps a bounded number of sockets, and
 * what arrives before a socket is settled is held in a bounded buffer.
 */

export type RateLimits = {
	/** Bytes per second a socket is read at, once its burst is spent. */
	bytesPerSecond: number;
	/** Messages per second a socket is read at, once its burst is spent. */
	messagesPerSecond: number;
	/** The burst in bytes: at least one message of the largest size, so a phone's catch-up passes at once. */
	burstBytes: number;
};

type Pausable = { pause(): void; resume(): void };

/** One clock for every throttle, not a closure each. */
const monotonicNow = () => performance.now();

/**
 * Two token buckets (bytes and messages) in front of one socket's messages. A message is never
 * refused: when the buckets cannot pay for it, the socket is not read any more and the message
 * waits until they can. The sender's further messages then wait in its own TCP buffers, not in
 * this process; what waits here is only what had already been read (at most one read's worth of
 * frames). Each socket so costs the server at most its rate, whatever the client does, and a
 * burst of typing or a phone's catch-up loses nothing.
 */
export class ReadThrottle {
	private bytes: number;
	private messages: number;
	private last: number;
	private readonly waiting: Buffer[] = [];
	private timer: ReturnType<typeof setTimeout> | null = null;
	private paused = false;
	private stopped = false;

	constructor(
		private readonly socket: Pausable,
		private readonly limits: RateLimits,
		/** Where a message goes once paid for; its owner may point it elsewhere (a socket that settles). */
		public deliver: (data: Buffer) => void,
		private readonly now: () => number = monotonicNow
	) {
		this.bytes = limits.burstBytes;
		this.messages = limits.messagesPerSecond;
		this.last = now();
	}

	/** A message was read: it is handed on now, or once the buckets can pay for it. */
	push(data: Buffer): void {
		if (this.stopped) return;
		// Nothing waits and the buckets can pay: handed on at once, without a queue (an idle socket keeps none).
		if (this.waiting.length === 0 && !this.timer) {
			this.refill();
			if (this.pay(data)) return this.deliver(data);
		}
		this.waiting.push(data);
		if (!this.timer) this.drain();
	}

	/** Takes a message's cost from the buckets, if they hold it. */
	private pay(data: Buffer): boolean {
		const cost = Math.min(data.byteLength, this.limits.burstBytes);
		if (this.messages < 1 || this.bytes < cost) return false;
		this.messages -= 1;
		this.bytes -= cost;
		return true;
	}

	private drain(): void {
		this.timer = null;
		this.refill();
		while (this.waiting.length > 0 && !this.stopped && this.pay(this.waiting[0])) this.deliver(this.waiting.shift()!);
		if (this.stopped) return;
		if (this.waiting.length === 0) {
			// Gives the queue's backing store back: a socket throttled once does not keep it while idle.
			this.waiting.length = 0;
			if (this.paused) this.socket.resume();
			this.paused = false;
			return;
		}
		if (!this.paused) this.socket.pause();
		this.paused = true;
		const cost = Math.min(this.waiting[0].byteLength, this.limits.burstBytes);
		const seconds = Math.max(
			(1 - this.messages) / this.limits.messagesPerSecond,
			(cost - this.bytes) / this.limits.bytesPerSecond
		);
		this.timer = setTimeout(() => this.drain(), Math.max(1, Math.ceil(seconds * 1000)));
		this.timer.unref?.();
	}

	private refill(): void {
		const now = this.now();
		const seconds = Math.max(0, now - this.last) / 1000;
		this.last = now;
		this.bytes = Math.min(this.limits.burstBytes, this.bytes + seconds * this.limits.bytesPerSecond);
		this.messages = Math.min(this.limits.messagesPerSecond, this.messages + seconds * this.limits.messagesPerSecond);
	}

	/** The socket is gone: nothing more is handed on. */
	stop(): void {
		this.stopped = true;
		this.waiting.length = 0;
		if (this.timer) clearTimeout(this.timer);
		this.timer = null;
	}
}

/**
 * The sockets each session holds, oldest first. A session that opens one more than its limit
 * pushes its oldest out: a phone that reloads, or whose old sockets died unnoticed on a train,
 * always gets in, and a script with one cookie never holds more than the limit.
 */
export class SessionSockets<T> {
	/** Oldest first; an array, not a Set: a session mostly holds one or two sockets, and one of each is kept per socket. */
	private readonly bySession = new Map<string, T[]>();

	constructor(private readonly limit: number) {}

	/** Counts a socket in; returns the same session's sockets it pushes out, oldest first. */
	add(sessionId: string, socket: T): T[] {
		let own = this.bySession.get(sessionId);
		if (!own) this.bySession.set(sessionId, (own = [socket]));
		else if (!own.includes(socket)) own.push(socket);
		const out = own.splice(0, Math.max(0, own.length - this.limit));
		if (own.length === 0) this.bySession.delete(sessionId);
		return out;
	}

	remove(sessionId: string, socket: T): void {
		const own = this.bySession.get(sessionId);
		const at = own?.indexOf(socket) ?? -1;
		if (!own || at < 0) return;
		own.splice(at, 1);
		if (own.length === 0) this.bySession.delete(sessionId);
	}

	count(sessionId: string): number {
		return this.bySession.get(sessionId)?.length ?? 0;
	}
}

/**
 * Messages that arrive before a socket is settled (authenticated, its room loaded, its right read
 * again): held in order, up to a bound. As Hocuspocus learned (GHSA-xwhh-v746-pj9m), an unbounded
 * buffer lets a client that keeps the room loading fill the server's memory.
 */
export class PendingMessages {
	private readonly held: Buffer[] = [];
	private bytes = 0;
	private full = false;

	constructor(private readonly limits: { messages: number; bytes: number }) {}

	/** Holds a message; false once the bound is passed (from then on nothing is held). */
	hold(data: Buffer): boolean {
		if (this.full) return false;
		this.held.push(data);
		this.bytes += data.byteLength;
		if (this.held.length <= this.limits.messages && this.bytes <= this.limits.bytes) return true;
		this.full = true;
		this.held.length = 0;
		this.bytes = 0;
		return false;
	}

	/** Everything held, in order; the buffer is empty afterwards. */
	drain(): Buffer[] {
		this.bytes = 0;
		return this.held.splice(0);
	}
}
