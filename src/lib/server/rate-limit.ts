/**
 * A fixed-window counter per key (address + purpose), in memory. Enough to slow guessing of
 * passwords and room codes on one instance; each instance counts on its own.
 */
const windows = new Map<string, { start: number; count: number }>();

export function allowAttempt(key: string, limit: number, windowMs: number): boolean {
	const now = Date.now();
	const current = windows.get(key);
	if (!current || now - current.start >= windowMs) {
		windows.set(key, { start: now, count: 1 });
		if (windows.size > 10_000) prune(now, windowMs);
		return true;
	}
	current.count++;
	return current.count <= limit;
}

function prune(now: number, windowMs: number): void {
	for (const [key, value] of windows) if (now - value.start >= windowMs) windows.delete(key);
}
