/**
 * The server's own measure of its event loop (KRING_EVENT_LOOP_PROBE=1, server/index.ts): the
 * longest time between two ticks beyond the probe's 10 ms, taken inside the server process.
 */
import type { KringServer } from './server';
import { waitUntil } from './yjs-client';

const RESET = '[kring] event loop: probe reset';
const FIGURE = /\[kring\] event loop: longest block ([\d.]+) ms over (\d+) samples/g;

export type EventLoopFigure = { longestBlockMs: number; samples: number };

/** The longest block since the last read (or since the server started serving); counting starts afresh. */
export async function readEventLoop(server: KringServer): Promise<EventLoopFigure> {
	const resets = () => server.logs().split(RESET).length;
	const before = resets();
	process.kill(server.pid!, 'SIGUSR2');
	await waitUntil(() => resets() > before, 'the server reports its event-loop probe');
	return lastFigure(server.logs());
}

/** The last figure the server printed (on stopping, or at the last read). */
export function lastFigure(logs: string): EventLoopFigure {
	const last = [...logs.matchAll(FIGURE)].at(-1);
	if (!last) throw new Error('the server printed no event-loop figure: is KRING_EVENT_LOOP_PROBE=1 set?');
	return { longestBlockMs: Number(last[1]), samples: Number(last[2]) };
}
