/**
 * Colours Kring draws with, checked for contrast (WCAG 2.x): white text on each of them reads at
 * 4.5:1 or better, and each stands out from a white page at 3:1 or better, so a caret, a badge or
 * a name label is seen by everyone. Six-digit hex only: Tiptap's caret takes nothing else.
 */

/** Presence colours, handed out by the server (collab/presence.ts), never chosen by a client. */
export const PRESENCE_COLOURS = [
	'#1d5fa8',
	'#b3261e',
	'#1e6b3a',
	'#7b3fb0',
	'#9a4a00',
	'#006b75',
	'#8c2f6b',
	'#5c4a1d'
] as const;

/** The same colour for the same participant on every screen and every instance. */
export function presenceColour(participantId: string): string {
	let hash = 0;
	for (const char of participantId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
	return PRESENCE_COLOURS[hash % PRESENCE_COLOURS.length];
}

/** WCAG relative luminance of a #rrggbb colour. */
export function luminance(hex: string): number {
	const channels = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16) / 255);
	const [r, g, b] = channels.map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
	return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two #rrggbb colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
	const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
	return (light + 0.05) / (dark + 0.05);
}
