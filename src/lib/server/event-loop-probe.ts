import { closeSync, openSync, readSync } from 'node:fs';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * The server's own measure of its event loop (KRING_EVENT_LOOP_PROBE=1; docs/design.md §5.4).
 *
 * The longest block as `monitorEventLoopDelay` sees it: wall time between two ticks beyond the
 * resolution. On a busy machine that is mostly other processes' time, so the probe also reads the
 * main thread's scheduler statistics (Linux: /proc/self/task/<tid>/schedstat) at every tick of its
 * own and says, per stretch between two ticks:
 * - how long the main thread ran on a core: Kring's own work, its share of garbage collection
 *   included (the kernel's figure may lag by one scheduler tick, a few ms);
 * - how long it did not wait for a core: the block less its time in the run queue, ready while
 *   others held both cores. That also counts its sleeps: a synchronous wait of Kring's, but also a
 *   garbage collection waiting for its helper threads while those wait for a core.
 */
export const PROBE_RESOLUTION_MS = 10;

/** The main thread's scheduler statistics: nanoseconds on a core, and ready but waiting for one. */
export type ThreadTimes = { runningNs: number; waitingNs: number };

/** One tick of the probe: when (performance.now(), ms) and the main thread's times then. */
export type Tick = { at: number; times: ThreadTimes | null };

export class LoopBlocks {
	/** The longest block in wall time, beyond the resolution (ms). */
	longestMs = 0;
	/** The most time the main thread ran on a core between two ticks (ms): the longest stretch of Kring's own work. */
	longestRunningMs = 0;
	/** The longest block less the time the thread waited for a core meanwhile (ms): its work and its own waits. */
	longestOwnMs = 0;
	/** All time the thread waited for a core, across the ticks (ms). */
	waitedMs = 0;
	private last: Tick | null = null;

	constructor(private readonly resolutionMs = PROBE_RESOLUTION_MS) {}

	/** Counts the stretch since the previous tick. */
	tick(now: Tick): void {
		const last = this.last;
		this.last = now;
		if (!last) return;
		const blockMs = Math.max(0, now.at - last.at - this.resolutionMs);
		this.longestMs = Math.max(this.longestMs, blockMs);
		// Without the kernel's figures, all of the block counts as Kring's.
		const waitedMs = now.times && last.times ? Math.max(0, (now.times.waitingNs - last.times.waitingNs) / 1e6) : 0;
		const runningMs = now.times && last.times ? (now.times.runningNs - last.times.runningNs) / 1e6 : blockMs;
		this.waitedMs += waitedMs;
		this.longestRunningMs = Math.max(this.longestRunningMs, runningMs);
		this.longestOwnMs = Math.max(this.longestOwnMs, blockMs - waitedMs);
	}

	/** Starts counting afresh from the last tick. */
	reset(): void {
		this.longestMs = this.longestRunningMs = this.longestOwnMs = this.waitedMs = 0;
	}
}

/** Reads the main thread's scheduler statistics; null where the kernel offers none (not Linux). */
export function mainThreadTimes(): (() => ThreadTimes | null) & { close(): void } {
	let fd: number | null = null;
	try {
		// The main thread's id is the process id.
		fd = openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
	} catch {
		fd = null;
	}
	const buffer = Buffer.alloc(128);
	const read = () => {
		if (fd === null) return null;
		const length = readSync(fd, buffer, 0, buffer.length, 0);
		const [running, waiting] = buffer.toString('latin1', 0, length).split(' ');
		return { runningNs: Number(running), waitingNs: Number(waiting) };
	};
	return Object.assign(read, {
		close: () => {
			if (fd !== null) closeSync(fd);
			fd = null;
		}
	});
}

/** The probe of a serving process: both figures, printed as one line on request. */
export class EventLoopProbe {
	private readonly histogram: IntervalHistogram;
	private readonly blocks = new LoopBlocks();
	private readonly times = mainThreadTimes();
	private readonly timer: ReturnType<typeof setInterval>;

	constructor() {
		this.histogram = monitorEventLoopDelay({ resolution: PROBE_RESOLUTION_MS });
		this.histogram.enable();
		const tick = () => this.blocks.tick({ at: performance.now(), times: this.times() });
		tick();
		this.timer = setInterval(tick, PROBE_RESOLUTION_MS);
		this.timer.unref();
	}

	/** What the loop went through since the start or the last reset, as tests/support/event-loop.ts reads it. */
	figure(): string {
		const longest = Math.max(0, this.histogram.max / 1e6 - PROBE_RESOLUTION_MS);
		const own = this.times()
			? `on a CPU ${this.blocks.longestRunningMs.toFixed(1)} ms, not waiting for a CPU ${this.blocks.longestOwnMs.toFixed(1)} ms`
			: 'unknown (no scheduler statistics)';
		return (
			`longest block ${longest.toFixed(1)} ms over ${this.histogram.count} samples; ` +
			`longest of Kring's own: ${own}; waited for a CPU ${Math.round(this.blocks.waitedMs)} ms in all`
		);
	}

	reset(): void {
		this.histogram.reset();
		this.blocks.reset();
	}

	stop(): void {
		this.histogram.disable();
		clearInterval(this.timer);
		this.times.close();
	}
}
