/** Nearest-rank percentile of unsorted samples (milliseconds); NaN when there are none. */
export function percentile(samples: number[], p: number): number {
	if (samples.length === 0) return Number.NaN;
	const sorted = [...samples].sort((a, b) => a - b);
	const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[rank];
}

export function median(samples: number[]): number {
	return percentile(samples, 50);
}

export function ms(value: number): string {
	if (!Number.isFinite(value)) return '–';
	return value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`;
}

export function rate(perSecond: number): string {
	if (!Number.isFinite(perSecond)) return '–';
	return perSecond >= 10_000 ? `${(perSecond / 1000).toFixed(0)}k/s` : `${perSecond.toFixed(0)}/s`;
}

export function bytes(value: number): string {
	if (value >= 1024 * 1024) return `${(value / 1024 / 1024).toFixed(1)} MiB`;
	if (value >= 1024) return `${(value / 1024).toFixed(1)} KiB`;
	return `${value} B`;
}

/** A plain-text table with a title, padded columns and a rule under the header. */
export function table(title: string, header: string[], rows: string[][], notes: string[] = []): string {
	const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
	const line = (cells: string[]) =>
		cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
	const out = [`\n${title}`, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
	for (const note of notes) out.push(`  ${note}`);
	return out.join('\n');
}
