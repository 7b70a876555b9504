import {
	mdiAccountMultiple,
	mdiBriefcase,
	mdiCash,
	mdiDotsHorizontalCircle,
	mdiHeartPulse,
	mdiHome,
	mdiHomeImportOutline,
	mdiHumanMaleChild,
	mdiScaleBalance,
	mdiSchool
} from '@mdi/js';
import { themeOf, type Theme } from './shape';

/**
 * How a theme looks, so that a card's subject is seen before it is read: one icon (a Material
 * Design Icons path on a 24×24 grid, drawn the same in the browser and in the PDF) and one colour
 * that carries white text at 4.5:1 or better (checked in theme-look.spec.ts). Cards, coverage,
 * the brief, the big screen, the print view and the PDF all take it from here.
 */
export type ThemeLook = { icon: string; colour: string };

export const THEME_LOOK: Readonly<Record<Theme, ThemeLook>> = {
	housing: { icon: mdiHome, colour: '#1d5fa8' },
	work: { icon: mdiBriefcase, colour: '#5c4a1d' },
	money: { icon: mdiCash, colour: '#1e6b3a' },
	upbringing: { icon: mdiHumanMaleChild, colour: '#7b3fb0' },
	health: { icon: mdiHeartPulse, colour: '#b3261e' },
	justice: { icon: mdiScaleBalance, colour: '#3d4a5c' },
	school: { icon: mdiSchool, colour: '#9a4a00' },
	contact: { icon: mdiAccountMultiple, colour: '#006b75' },
	return: { icon: mdiHomeImportOutline, colour: '#8c2f6b' },
	other: { icon: mdiDotsHorizontalCircle, colour: '#555b61' }
};

/** The look of any value read from a document: an unknown theme looks like 'other'. */
export function themeLook(theme: unknown): ThemeLook {
	return THEME_LOOK[themeOf(theme)];
}
