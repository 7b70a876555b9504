import { createServer, connect, type Socket } from 'node:net';

export type TcpProxy = {
	/** http://127.0.0.1:<port>, to open pages through the proxy. */
	url: string;
	/**
	 * Stops forwarding in both directions without closing anything, as a phone that walked out of
	 * the Wi-Fi: open connections go silent (a browser's `setOffline` closes no open WebSocket), and
	 * new ones are taken but get no answer.
	 */
	stall(): void;
	/** Forwards again: held connections reach the server, stalled ones flow on. */
	heal(): void;
	close(): Promise<void>;
};

/** A TCP proxy on loopback in front of one server, that can go silent on command. */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
	let stalled = false;
	const sockets = new Set<Socket>();
	const held: (() => void)[] = [];
	const track = (socket: Socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => socket.destroy());
		if (stalled) socket.pause();
	};
	const server = createServer((client) => {
		track(client);
		const open = () => {
			const upstream = connect(targetPort, targetHost);
			track(upstream);
			client.pipe(upstream);
			upstream.pipe(client);
			client.on('close', () => upstream.destroy());
			upstream.on('close', () => client.destroy());
		};
		if (stalled) {
			client.pause();
			held.push(open);
		} else open();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as { port: number };
	return {
		url: `http://127.0.0.1:${port}`,
		stall() {
			stalled = true;
			// Paused sockets read nothing: what is sent waits in the kernel, and nobody hears a close.
			for (const socket of sockets) socket.pause();
		},
		heal() {
			stalled = false;
			for (const socket of sockets) socket.resume();
			for (const open of held.splice(0)) open();
		},
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}
