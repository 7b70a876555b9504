import { afterEach, describe, expect, it } from 'vitest';
import { recordAudit } from './audit';
import type { Connection } from './db';
import { registry } from './registry';

/**
 * A database whose inserts take as long as the test says: on a pool, a later insert can finish
 * first, which is what the log's order must not depend on.
 */
function databaseWithInsertTimes(times: number[], written: string[]): Connection {
	let call = 0;
	const insert = () => ({
		values: async (row: { action: string }) => {
			await new Promise((resolve) => setTimeout(resolve, times[call++] ?? 0));
			written.push(row.action);
		}
	});
	return { db: { insert }, kind: 'postgres', close: async () => {} } as unknown as Connection;
}

describe('the audit log', () => {
	afterEach(() => {
		registry().database = undefined;
	});

	it('writes the entries of one conference in the order they were recorded, however long each insert takes', async () => {
		const written: string[] = [];
		registry().database = Promise.resolve(databaseWithInsertTimes([40, 0, 20, 0], written));
		const henk = { name: 'Opa Henk', role: 'family' };
		await Promise.all([
			recordAudit('devries', henk, 'plan.card_binned'),
			recordAudit('devries', henk, 'plan.item_deleted'),
			recordAudit('devries', henk, 'plan.card_restored'),
			recordAudit('devries', henk, 'plan.item_deleted')
		]);
		expect(written).toEqual(['plan.card_binned', 'plan.item_deleted', 'plan.card_restored', 'plan.item_deleted']);
	});

	it('goes on after an entry that could not be written', async () => {
		const written: string[] = [];
		let call = 0;
		const insert = () => ({
			values: async (row: { action: string }) => {
				if (call++ === 0) throw new Error('connection lost');
				written.push(row.action);
			}
		});
		registry().database = Promise.resolve({ db: { insert }, kind: 'postgres' } as unknown as Connection);
		const henk = { name: 'Opa Henk', role: 'family' };
		const first = recordAudit('devries', henk, 'plan.card_binned');
		const second = recordAudit('devries', henk, 'plan.item_deleted');
		await expect(first).rejects.toThrow('connection lost');
		await second;
		expect(written).toEqual(['plan.item_deleted']);
	});
});
