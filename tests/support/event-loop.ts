/**
 * The server's own measure of its event loop (KRING_EVENT_LOOP_PROBE=1, server/index.ts and
 * src/lib/server/event-loop-probe.ts), taken inside the server process: the longest time between
 * two ticks beyond the probe's 10 ms, and, from the kernel's figures for the server's main thread,
 * the most it ran between two ticks and the longest block less its wait for a CPU.
 */
import type { KringServer } from './server';
import { waitUntil } from './yjs-client';

const RESET = '[kring] event loop: probe reset';
const FIGURE =
	/\[kring\] event loop: longest block ([\d.]+) ms over (\d+) samples; longest of Kring's own: (?:on a CPU ([\d.]+) ms, not waiting for a CPU ([\d.]+) ms|unknown[^;]*); waited for a CPU (\d+) ms/g;

export type EventLoopFigure = {
	/** Wall time: on a busy machine mostly other processes' time. */
	longestBlockMs: number;
	samples: number;
	/** The most the main thread ran between two ticks: Kring's own work. Null where the kernel does not say (not Linux). */
	cpuBlockMs: number | null;
	/** The longest block less the main thread's time waiting for a CPU that other processes held. */
	ownBlockMs: number | null;
	/** All time the main thread waited for a CPU. */
	waitedMs: number;
};

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
	return {
		longestBlockMs: Number(last[1]),
		samples: Number(last[2]),
		cpuBlockMs: last[3] === undefined ? null : Number(last[3]),
		ownBlockMs: last[4] === undefined ? null : Number(last[4]),
		waitedMs: Number(last[5])
	};
}
