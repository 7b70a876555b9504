import { describe, expect, it } from 'vitest';
import { LoopBlocks, mainThreadTimes, type ThreadTimes } from './event-loop-probe';

const ms = (n: number) => n * 1e6;
const times = (runningMs: number, waitingMs: number): ThreadTimes => ({
	runningNs: ms(runningMs),
	waitingNs: ms(waitingMs)
});

describe('LoopBlocks', () => {
	it('counts a block the server spent working as its own, and one spent waiting for a CPU as the neighbours’', () => {
		const blocks = new LoopBlocks(10);
		blocks.tick({ at: 0, times: times(0, 0) });
		// 150 ms of the server's own work.
		blocks.tick({ at: 160, times: times(150, 0) });
		// Descheduled: 700 ms waiting for a CPU, 20 ms of work.
		blocks.tick({ at: 890, times: times(170, 700) });
		expect(blocks.longestMs).toBe(720);
		expect(blocks.longestRunningMs).toBe(150);
		expect(blocks.longestOwnMs).toBe(150);
		expect(blocks.waitedMs).toBe(700);
	});

	it('counts a wait of the server’s own (asleep, not waiting for a CPU) as not waiting for a CPU', () => {
		const blocks = new LoopBlocks(10);
		blocks.tick({ at: 0, times: times(0, 0) });
		blocks.tick({ at: 310, times: times(2, 8) });
		expect(blocks.longestRunningMs).toBe(2);
		expect(blocks.longestOwnMs).toBe(292);
	});

	it('counts all of a block as the server’s where the kernel gives no figures', () => {
		const blocks = new LoopBlocks(10);
		blocks.tick({ at: 0, times: null });
		blocks.tick({ at: 130, times: null });
		expect([blocks.longestMs, blocks.longestRunningMs, blocks.longestOwnMs]).toEqual([120, 120, 120]);
	});

	it('starts afresh after a reset', () => {
		const blocks = new LoopBlocks(10);
		blocks.tick({ at: 0, times: times(0, 0) });
		blocks.tick({ at: 200, times: times(190, 0) });
		blocks.reset();
		blocks.tick({ at: 215, times: times(195, 0) });
		expect([blocks.longestMs, blocks.longestRunningMs, blocks.longestOwnMs]).toEqual([5, 5, 5]);
	});
});

describe('mainThreadTimes', () => {
	it('reads the main thread’s time on a CPU, which grows while it works (Linux; elsewhere nothing)', () => {
		const read = mainThreadTimes();
		if (process.platform !== 'linux') return expect(read()).toBeNull();
		const before = read()!;
		const until = performance.now() + 30;
		while (performance.now() < until);
		const after = read()!;
		read.close();
		expect(after.runningNs - before.runningNs).toBeGreaterThan(0);
		expect(after.waitingNs).toBeGreaterThanOrEqual(before.waitingNs);
	});
});
