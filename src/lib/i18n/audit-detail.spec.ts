import { describe, expect, it } from 'vitest';
import { LOCALES } from './locales';
import { translator } from './index';
import { catalogueOf } from './catalogues.server';
import { auditDetail } from './audit-detail';

/** What the log stores, as it stores it (audit.ts callers): no reader may see one of these raw. */
const STORED: [action: string, detail: string][] = [
	['knock.answered', 'need_more_time'],
	['knock.answered', 'coming'],
	['invite.created', 'family'],
	['invite.created', 'professional'],
	['plan.accepted', 'version 1, sha256 3fa2b1c4d5e6f708'],
	['plan.exported', 'version 1'],
	['plan.exported', 'print, version 2'],
	['plan.exported', 'pdf, version 3'],
	['phase.changed', 'information → private'],
	['retention.changed', '90 → 30'],
	['connection.revoked', '4']
];
const RAW = /sha256|need_more_time|^coming$|^family$|^professional$|information|private|^\d+( → \d+)?$/;

/** The translator isolates parameters for right-to-left pages; the words are what matters here. */
const plain = (text: string) => text.replace(/[\u2068\u2069]/g, '');

describe('the log in the reader’s language', () => {
	it('shows every stored value translated, in Dutch', () => {
		const t = translator('nl', catalogueOf('nl'));
		expect(plain(auditDetail(t, 'knock.answered', 'need_more_time'))).toBe('Nog niet');
		expect(plain(auditDetail(t, 'invite.created', 'family'))).toBe('Familie en netwerk');
		expect(plain(auditDetail(t, 'plan.accepted', 'version 1, sha256 3fa2b1c4d5e6f708'))).toBe(
			'versie 1, vingerafdruk 3fa2b1c4d5e6f708…'
		);
		expect(plain(auditDetail(t, 'plan.exported', 'pdf, version 3'))).toBe('als pdf, versie 3');
	});

	it('never shows a raw value, in any language', () => {
		for (const locale of LOCALES) {
			const t = translator(locale, catalogueOf(locale));
			for (const [action, detail] of STORED) {
				const shown = auditDetail(t, action, detail).replace(/[\u2068\u2069]/g, '');
				expect(shown).not.toBe(detail);
				expect(shown).not.toMatch(RAW);
			}
		}
	});

	it('shows names as they are', () => {
		const t = translator('nl', catalogueOf('nl'));
		expect(plain(auditDetail(t, 'door.admitted', 'Tante Els'))).toBe('Tante Els');
	});
});
