/**
 * A TCP proxy between one Kring instance and Redis, for tests of what Kring does when messages
 * between instances are lost. Nothing is simulated inside Kring: the instance talks to Redis
 * through this proxy, and the proxy loses messages the way a network or Redis itself does.
 *
 * - `cutSubscribers()` drops the connections that subscribed to a channel (what
 *   `CLIENT KILL TYPE pubsub` does) and keeps every new connection out until `heal()`: whatever
 *   is published meanwhile never reaches this instance. It affects only this instance, so the
 *   Redis other people's tests use is left alone.
 * - `swallowPublishes(true)` answers PUBLISH itself (`:0`, "nobody listened") without passing it
 *   on: the instance believes it was sent, sees no error and no reconnect, and nobody receives it.
 */
import { connect, createServer, type Socket } from 'node:net';

export type RedisProxy = {
	/** redis://127.0.0.1:<port> of the proxy: give it to the instance as REDIS_URL. */
	readonly url: string;
	cutSubscribers(): void;
	heal(): void;
	swallowPublishes(on: boolean): void;
	close(): Promise<void>;
};

type Link = { client: Socket; upstream: Socket; subscribed: boolean; unread: Buffer };

export async function startRedisProxy(target: string): Promise<RedisProxy> {
	const { hostname, port } = new URL(target);
	const links = new Set<Link>();
	let cut = false;
	let swallow = false;

	const server = createServer((client) => {
		if (cut) return void client.destroy();
		const upstream = connect(Number(port || 6379), hostname);
		const link: Link = { client, upstream, subscribed: false, unread: Buffer.alloc(0) };
		links.add(link);
		const drop = () => {
			links.delete(link);
			client.destroy();
			upstream.destroy();
		};
		for (const socket of [client, upstream]) {
			socket.on('error', drop);
			socket.on('close', drop);
		}
		upstream.on('data', (data: Buffer) => client.write(data));
		client.on('data', (data: Buffer) => {
			link.unread = Buffer.concat([link.unread, data]);
			for (;;) {
				const command = readCommand(link.unread);
				if (!command) break;
				link.unread = link.unread.subarray(command.raw.length);
				const name = command.name.toUpperCase();
				if (name === 'SUBSCRIBE' || name === 'PSUBSCRIBE') link.subscribed = true;
				// Only PUBLISH goes over a publishing connection once it is ready, so replies stay in order.
				if (swallow && name === 'PUBLISH') client.write(':0\r\n');
				else upstream.write(command.raw);
			}
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	if (!address || typeof address === 'string') throw new Error('the Redis proxy has no port');

	return {
		url: `redis://127.0.0.1:${address.port}`,
		cutSubscribers() {
			cut = true;
			for (const link of [...links]) {
				if (!link.subscribed) continue;
				links.delete(link);
				link.client.destroy();
				link.upstream.destroy();
			}
		},
		heal() {
			cut = false;
		},
		swallowPublishes(on) {
			swallow = on;
		},
		async close() {
			for (const link of links) {
				link.client.destroy();
				link.upstream.destroy();
			}
			await new Promise((resolve) => server.close(resolve));
		}
	};
}

/** One RESP command as clients send it (an array of bulk strings), or null while it is incomplete. */
function readCommand(buffer: Buffer): { name: string; raw: Buffer } | null {
	if (buffer.length === 0) return null;
	if (buffer[0] !== 0x2a) {
		// An inline command: one line.
		const end = buffer.indexOf('\r\n');
		if (end < 0) return null;
		return { name: buffer.subarray(0, end).toString().split(' ')[0], raw: buffer.subarray(0, end + 2) };
	}
	let offset = buffer.indexOf('\r\n');
	if (offset < 0) return null;
	const count = Number(buffer.subarray(1, offset).toString());
	offset += 2;
	let name = '';
	for (let i = 0; i < count; i++) {
		const lineEnd = buffer.indexOf('\r\n', offset);
		if (lineEnd < 0) return null;
		const length = Number(buffer.subarray(offset + 1, lineEnd).toString());
		const start = lineEnd + 2;
		if (buffer.length < start + length + 2) return null;
		if (i === 0) name = buffer.subarray(start, start + length).toString();
		offset = start + length + 2;
	}
	return { name, raw: buffer.subarray(0, offset) };
}
