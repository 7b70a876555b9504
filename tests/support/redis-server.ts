/**
 * A Redis of a test's own: `redis-server` on a free port, in memory, that the test can stop and
 * start again (a Redis restart) without touching the Redis on 6379 that others use.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from './server';

export type OwnRedis = {
	readonly url: string;
	/** Stops it (SIGTERM) and waits until it is gone: every client's connection drops. */
	stop(): Promise<void>;
	/** Starts it again on the same port, empty, and waits until it answers. */
	start(): Promise<void>;
};

export async function startOwnRedis(): Promise<OwnRedis> {
	const port = await freePort();
	let child: ChildProcess | null = null;
	const launch = async () => {
		const started = spawn(
			'redis-server',
			['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
			{ stdio: 'ignore' }
		);
		child = started;
		process.once('exit', () => started.kill('SIGKILL'));
		const giveUp = Date.now() + 10_000;
		while (!(await answers(port))) {
			if (started.exitCode !== null) throw new Error(`redis-server on ${port} exited (${started.exitCode})`);
			if (Date.now() > giveUp) throw new Error(`redis-server on ${port} does not answer`);
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	};
	await launch();
	return {
		url: `redis://127.0.0.1:${port}`,
		async stop() {
			const current = child;
			child = null;
			if (!current || current.exitCode !== null) return;
			await new Promise<void>((resolve) => {
				current.once('exit', () => resolve());
				current.kill('SIGTERM');
			});
		},
		start: launch
	};
}

function answers(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect(port, '127.0.0.1');
		socket.setTimeout(1000);
		socket.once('connect', () => socket.write('PING\r\n'));
		socket.once('data', (data) => {
			socket.destroy();
			resolve(data.toString().startsWith('+PONG'));
		});
		for (const event of ['error', 'timeout', 'close'] as const) socket.once(event, () => resolve(false));
	});
}
