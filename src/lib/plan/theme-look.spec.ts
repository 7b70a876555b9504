import { describe, expect, it } from 'vitest';
import { contrastRatio, PRESENCE_COLOURS, presenceColour } from '$lib/conference/colours';
import { THEMES } from './shape';
import { THEME_LOOK, themeLook } from './theme-look';

describe('the look of a theme', () => {
	it('gives every theme its own icon and its own colour', () => {
		const looks = THEMES.map((theme) => THEME_LOOK[theme]);
		expect(new Set(looks.map((look) => look.icon)).size).toBe(THEMES.length);
		expect(new Set(looks.map((look) => look.colour)).size).toBe(THEMES.length);
	});

	it('carries white text at 4.5:1 and stands out from a white page', () => {
		for (const theme of THEMES) {
			const { colour } = THEME_LOOK[theme];
			expect(colour, theme).toMatch(/^#[0-9a-f]{6}$/);
			expect(contrastRatio(colour, '#ffffff'), theme).toBeGreaterThanOrEqual(4.5);
		}
	});

	it('looks like "other" for a theme Kring does not know', () => {
		expect(themeLook('toString')).toBe(THEME_LOOK.other);
	});
});

describe('presence colours', () => {
	it('are six-digit hex (Tiptap carets take nothing else) and carry white names at 4.5:1', () => {
		for (const colour of PRESENCE_COLOURS) {
			expect(colour).toMatch(/^#[0-9a-f]{6}$/);
			expect(contrastRatio(colour, '#ffffff')).toBeGreaterThanOrEqual(4.5);
		}
	});

	it('gives a participant the same colour on every screen', () => {
		expect(presenceColour('p-anna')).toBe(presenceColour('p-anna'));
		expect(PRESENCE_COLOURS).toContain(presenceColour('p-bram'));
	});
});
