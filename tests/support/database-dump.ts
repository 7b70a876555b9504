/**
 * Everything a Kring database holds, as someone who copies it would read it: every table that
 * information_schema lists (not only the ones Kring's schema names, so a table added later is read
 * too), every column as text, and every bytea column both as UTF-8 and as the strings inside the
 * Yjs update it holds. `placesOf(marker)` says in which table and column a string occurs.
 *
 * PostgreSQL is read while the server runs. PGlite belongs to one process: the server is stopped
 * for the read and started again on the same data (start it with a `dataDir` of your own).
 */
import { join } from 'node:path';
import * as Y from 'yjs';
import type { KringServer } from './server';

type Query = (statement: string) => Promise<Record<string, unknown>[]>;

export type DatabaseDump = {
	/** "table.column" → everything read from that column, rows joined. */
	readonly columns: ReadonlyMap<string, string>;
	/** The tables and columns in which `needle` occurs; empty when nowhere. */
	placesOf(needle: string): string[];
};

export async function dumpDatabase(server: KringServer): Promise<DatabaseDump> {
	const { database } = server;
	if (database.kind === 'postgres') {
		const { default: postgres } = await import('postgres');
		const sql = postgres(database.url, { max: 1, onnotice: () => {} });
		try {
			return await readAll((statement) => sql.unsafe(statement) as Promise<Record<string, unknown>[]>);
		} finally {
			await sql.end({ timeout: 5 });
		}
	}
	await server.stop();
	try {
		const { PGlite } = await import('@electric-sql/pglite');
		const db = new PGlite(join(database.dataDir, 'pglite'));
		try {
			return await readAll(async (statement) => (await db.query<Record<string, unknown>>(statement)).rows);
		} finally {
			await db.close();
		}
	} finally {
		await server.restart();
	}
}

async function readAll(query: Query): Promise<DatabaseDump> {
	const columns = new Map<string, string>();
	const tables = await query(
		`select table_schema, table_name from information_schema.tables
		 where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')
		 order by table_schema, table_name`
	);
	if (tables.length === 0) throw new Error('the database has no tables: wrong database?');
	for (const { table_schema: schema, table_name: table } of tables as { table_schema: string; table_name: string }[]) {
		const described = (await query(
			`select column_name, data_type from information_schema.columns
			 where table_schema = '${schema}' and table_name = '${table}' order by ordinal_position`
		)) as { column_name: string; data_type: string }[];
		const select = described
			.map(({ column_name: name, data_type: type }, i) => `${quote(name)}${type === 'bytea' ? '' : '::text'} as c${i}`)
			.join(', ');
		const rows = await query(`select ${select} from ${quote(schema)}.${quote(table)}`);
		described.forEach(({ column_name: name, data_type: type }, i) => {
			const values = rows.map((row) => row[`c${i}`]);
			const text =
				type === 'bytea'
					? readBytes(values.filter((value): value is Uint8Array => value instanceof Uint8Array))
					: values.map((value) => (value === null ? '' : String(value))).join('\n');
			columns.set(`${schema === 'public' ? '' : `${schema}.`}${table}.${name}`, text);
		});
	}
	return {
		columns,
		placesOf: (needle) => [...columns].filter(([, text]) => text.includes(needle)).map(([place]) => place)
	};
}

/**
 * Bytes as UTF-8, and as Yjs: the strings of every update, per row and across rows in order (a
 * word typed one key per update is whole only across rows).
 */
function readBytes(values: Uint8Array[]): string {
	const asUtf8 = values.map((value) => Buffer.from(value).toString('utf8'));
	const asYjs = values.map(yjsStrings);
	return [...asUtf8, ...asYjs.map((strings) => strings.join('\n')), asYjs.flat().join('')].join('\n');
}

function yjsStrings(update: Uint8Array): string[] {
	let decoded: ReturnType<typeof Y.decodeUpdate>;
	try {
		decoded = Y.decodeUpdate(update);
	} catch {
		return [];
	}
	const strings: string[] = [];
	for (const struct of decoded.structs) {
		if (!(struct instanceof Y.Item)) continue;
		if (struct.parentSub) strings.push(struct.parentSub);
		const content = struct.content as unknown as { str?: string; getContent(): unknown[] };
		if (typeof content.str === 'string') strings.push(content.str);
		else
			for (const value of content.getContent())
				strings.push(
					value instanceof Y.AbstractType
						? ((value as { nodeName?: string }).nodeName ?? '')
						: (JSON.stringify(value) ?? '')
				);
	}
	return strings;
}

function quote(identifier: string): string {
	return `"${identifier.replaceAll('"', '""')}"`;
}
