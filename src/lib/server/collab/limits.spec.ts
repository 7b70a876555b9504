import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PendingMessages, ReadThrottle, SessionSockets } from './limits';

/** A socket that records whether it is being read, and a clock the test moves by hand. */
function throttled(limits = { messagesPerSecond: 10, bytesPerSecond: 1000, burstBytes: 1000 }) {
	const socket = {
		reading: true,
		pause: () => void (socket.reading = false),
		resume: () => void (socket.reading = true)
	};
	const handled: Buffer[] = [];
	const throttle = new ReadThrottle(
		socket,
		limits,
		(data) => handled.push(data),
		() => Date.now()
	);
	return { socket, handled, throttle };
}

const message = (size = 1) => Buffer.alloc(size);

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('ReadThrottle', () => {
	it('hands on a burst of one second’s worth at once, then stops reading until the rate allows more', () => {
		const { socket, handled } = throttledWith(25);
		expect(handled).toHaveLength(10);
		expect(socket.reading).toBe(false);
		vi.advanceTimersByTime(500);
		expect(handled).toHaveLength(15);
		vi.advanceTimersByTime(1000);
		expect(handled).toHaveLength(25);
		// Everything is through: the socket is read again, and nothing was lost or reordered.
		expect(socket.reading).toBe(true);
		expect(handled.map((data) => data.readUInt16BE(0))).toEqual([...Array(25).keys()]);
	});

	it('counts bytes too: a large message waits until its bytes are paid for', () => {
		const { socket, handled, throttle } = throttled();
		throttle.push(message(800));
		throttle.push(message(800));
		expect(handled).toHaveLength(1);
		expect(socket.reading).toBe(false);
		vi.advanceTimersByTime(599);
		expect(handled).toHaveLength(1);
		vi.advanceTimersByTime(1);
		expect(handled).toHaveLength(2);
	});

	it('lets a message larger than the burst through once the bucket is full', () => {
		const { handled, throttle } = throttled();
		throttle.push(message(5000));
		expect(handled).toHaveLength(1);
	});

	it('a socket that keeps a steady pace is never paused', () => {
		const { socket, handled, throttle } = throttled();
		for (let i = 0; i < 100; i++) {
			throttle.push(message());
			expect(socket.reading).toBe(true);
			vi.advanceTimersByTime(100);
		}
		expect(handled).toHaveLength(100);
	});

	it('hands on nothing once stopped', () => {
		const { handled, throttle } = throttledWith(20);
		throttle.stop();
		vi.advanceTimersByTime(10_000);
		throttle.push(message());
		expect(handled).toHaveLength(10);
	});
});

/** A throttle at 10 messages a second that was sent `count` numbered messages at once. */
function throttledWith(count: number) {
	const setup = throttled();
	for (let i = 0; i < count; i++) {
		const data = Buffer.alloc(2);
		data.writeUInt16BE(i, 0);
		setup.throttle.push(data);
	}
	return setup;
}

describe('SessionSockets', () => {
	it('keeps the newest sockets of a session and names the oldest ones to close', () => {
		const sockets = new SessionSockets<string>(2);
		expect(sockets.add('s1', 'a')).toEqual([]);
		expect(sockets.add('s1', 'b')).toEqual([]);
		expect(sockets.add('s2', 'x')).toEqual([]);
		expect(sockets.add('s1', 'c')).toEqual(['a']);
		expect(sockets.count('s1')).toBe(2);
		sockets.remove('s1', 'b');
		expect(sockets.add('s1', 'd')).toEqual([]);
		expect(sockets.add('s1', 'e')).toEqual(['c']);
		expect(sockets.count('s2')).toBe(1);
	});
});

describe('PendingMessages', () => {
	it('holds messages in order up to its bound, and nothing once the bound is passed', () => {
		const pending = new PendingMessages({ messages: 3, bytes: 100 });
		expect([1, 2, 3].map((n) => pending.hold(Buffer.from([n])))).toEqual([true, true, true]);
		expect(pending.drain().map((data) => data[0])).toEqual([1, 2, 3]);
		for (let i = 0; i < 3; i++) pending.hold(message());
		expect(pending.hold(message())).toBe(false);
		expect(pending.hold(message())).toBe(false);
		expect(pending.drain()).toEqual([]);
	});

	it('counts bytes as well as messages', () => {
		const pending = new PendingMessages({ messages: 100, bytes: 100 });
		expect(pending.hold(message(60))).toBe(true);
		expect(pending.hold(message(60))).toBe(false);
	});
});
