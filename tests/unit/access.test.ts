import { describe, expect, it } from 'vitest';
import { access, canRead, canWrite, type Access } from '$lib/conference/access';
import { DOCUMENTS, PHASES, ROLES, type DocumentName, type Phase, type Role } from '$lib/conference/phases';

/**
 * docs/design.md §3, "Who sees what", copied cell for cell. "(frozen)" and the bold type are
 * presentation only: a frozen plan is read access to the accepted version.
 */
const DESIGN_TABLE = `
| phase        | coordinator: brief | coordinator: plan | professional: brief | professional: plan | family: brief | family: plan  |
| preparation  | write              | none              | write               | none               | read          | write         |
| information  | write              | none              | write               | none               | write         | write         |
| private      | **none**           | **none**          | **none**            | **none**           | read          | write         |
| presentation | read               | read              | read                | read               | read          | write         |
| accepted     | read               | read (frozen)     | read                | read (frozen)      | read          | read (frozen) |
| closed       | none               | none              | read                | read (frozen)      | read          | read (frozen) |
`;

type Cell = { phase: Phase; role: Role; document: DocumentName; expected: Access };

function parseTable(table: string): Cell[] {
	const [header, ...rows] = table
		.trim()
		.split('\n')
		.map((line) =>
			line
				.split('|')
				.slice(1, -1)
				.map((cell) => cell.trim())
		);
	const columns = header.slice(1).map((title) => {
		const [role, document] = title.split(':').map((part) => part.trim());
		return { role: role as Role, document: document as DocumentName };
	});
	return rows.flatMap(([phase, ...cells]) =>
		cells.map((cell, i) => ({
			phase: phase as Phase,
			...columns[i],
			expected: cell.replace(/\*\*/g, '').replace('(frozen)', '').trim() as Access
		}))
	);
}

const cells = parseTable(DESIGN_TABLE);

describe('the access matrix of DESIGN.md §3', () => {
	it('covers every role, phase and document exactly once', () => {
		expect(cells).toHaveLength(ROLES.length * PHASES.length * DOCUMENTS.length);
		const keys = new Set(cells.map((c) => `${c.role}/${c.phase}/${c.document}`));
		expect(keys.size).toBe(cells.length);
		for (const cell of cells) {
			expect(ROLES).toContain(cell.role);
			expect(PHASES).toContain(cell.phase);
			expect(DOCUMENTS).toContain(cell.document);
			expect(['none', 'read', 'write']).toContain(cell.expected);
		}
	});

	it.each(cells)('$role in $phase: $document is $expected', ({ role, phase, document, expected }) => {
		expect(access(role, phase, document)).toBe(expected);
		expect(canRead(role, phase, document)).toBe(expected !== 'none');
		expect(canWrite(role, phase, document)).toBe(expected === 'write');
	});
});

describe('what the matrix promises, said in words', () => {
	it('during private time no staff member reaches either document', () => {
		for (const role of ['coordinator', 'professional'] as const) {
			for (const document of DOCUMENTS) expect(access(role, 'private', document)).toBe('none');
		}
	});

	it('nobody writes once the plan is accepted', () => {
		for (const phase of ['accepted', 'closed'] as const) {
			for (const role of ROLES)
				for (const document of DOCUMENTS) expect(access(role, phase, document)).not.toBe('write');
		}
	});

	it('the coordinator never writes the plan', () => {
		for (const phase of PHASES) expect(access('coordinator', phase, 'plan')).not.toBe('write');
	});
});

describe('values that are not in the table get nothing', () => {
	it.each([
		['an unknown role', 'guest', 'presentation', 'plan'],
		['an unknown phase', 'family', 'draft', 'plan'],
		['an unknown document', 'family', 'information', 'notes'],
		['a prototype key as phase', 'family', '__proto__', 'plan'],
		['a prototype key as role', 'constructor', 'information', 'brief'],
		['a prototype key as document', 'family', 'information', 'toString']
	])('%s', (_what, role, phase, document) => {
		expect(access(role as Role, phase as Phase, document as DocumentName)).toBe('none');
	});
});
