import { describe, expect, it } from 'vitest';
import { CLOSE } from './close-codes';

describe('close codes', () => {
	it('each reason fits in a close frame, or ws throws instead of closing the socket', () => {
		for (const [name, { reason }] of Object.entries(CLOSE)) {
			expect(new TextEncoder().encode(reason).length, name).toBeLessThanOrEqual(123);
		}
	});
});
