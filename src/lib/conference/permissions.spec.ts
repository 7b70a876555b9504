import { describe, expect, it } from 'vitest';
import { ACTIONS, actionsFor, can, familyCanJoin, joinsAtTheDoor, type Action } from './permissions';
import { PHASES, ROLES, type Phase, type Role } from './phases';

/**
 * docs/design.md §3, "What each role may do", copied cell for cell: in which phases a role may
 * take an action. prep = preparation, info = information, priv = private, pres = presentation,
 * acc = accepted, clo = closed, "all" = every phase, "-" = never.
 */
const DESIGN_TABLE = `
| action              | coordinator                  | professional            | family   |
| start_information   | prep                         | -                       | -        |
| hand_over           | info                         | -                       | -        |
| end_private_time    | -                            | -                       | priv     |
| resume_private_time | -                            | -                       | pres     |
| accept              | pres                         | pres                    | -        |
| close               | acc                          | -                       | -        |
| knock               | priv                         | -                       | -        |
| answer_knock        | -                            | -                       | priv     |
| decide_at_door      | -                            | -                       | all      |
| remove_device       | prep info                    | -                       | all      |
| create_invite       | prep info priv pres acc      | -                       | -        |
| edit_question       | prep info                    | -                       | -        |
| see_log             | prep info pres acc clo       | -                       | all      |
| see_people          | prep info pres acc           | prep info pres acc clo  | all      |
| see_door            | -                            | -                       | all      |
| set_retention       | all                          | -                       | -        |
| erase               | clo                          | -                       | acc clo  |
| download_my_data    | -                            | -                       | all      |
`;

const SHORT: Record<string, Phase> = {
	prep: 'preparation',
	info: 'information',
	priv: 'private',
	pres: 'presentation',
	acc: 'accepted',
	clo: 'closed'
};

function parseTable(table: string): Map<string, boolean> {
	const [header, ...rows] = table
		.trim()
		.split('\n')
		.map((line) =>
			line
				.split('|')
				.slice(1, -1)
				.map((cell) => cell.trim())
		);
	const roles = header.slice(1) as Role[];
	const allowed = new Map<string, boolean>();
	for (const [action, ...cells] of rows) {
		cells.forEach((cell, i) => {
			const phases = cell === 'all' ? [...PHASES] : cell === '-' ? [] : cell.split(/\s+/).map((s) => SHORT[s]);
			for (const phase of phases) {
				if (!phase) throw new Error(`unknown phase in "${cell}"`);
				allowed.set(`${roles[i]}|${phase}|${action}`, true);
			}
		});
	}
	return allowed;
}

const allowed = parseTable(DESIGN_TABLE);
const cells = ROLES.flatMap((role) =>
	PHASES.flatMap((phase) =>
		ACTIONS.map((action) => ({ role, phase, action, expected: allowed.get(`${role}|${phase}|${action}`) ?? false }))
	)
);

describe('what each role may do in each phase', () => {
	it('the table names every action exactly once, and only real ones', () => {
		const named = DESIGN_TABLE.trim()
			.split('\n')
			.slice(1)
			.map((line) => line.split('|')[1].trim());
		expect(named.sort()).toEqual([...ACTIONS].sort());
	});

	it('covers every role × phase × action', () => {
		expect(cells).toHaveLength(ROLES.length * PHASES.length * ACTIONS.length);
	});

	it.each(cells)('$role in $phase: $action is $expected', ({ role, phase, action, expected }) => {
		expect(can(role, phase, action)).toBe(expected);
	});

	it('actionsFor lists exactly the allowed actions', () => {
		for (const role of ROLES)
			for (const phase of PHASES) {
				const expected = ACTIONS.filter((action) => allowed.get(`${role}|${phase}|${action}`));
				expect(actionsFor(role, phase)).toEqual(expected);
			}
	});

	it('fails closed on anything outside the table', () => {
		expect(can('family', 'private', 'toString' as Action)).toBe(false);
		expect(can('family', 'private', '__proto__' as Action)).toBe(false);
		expect(can('guest' as Role, 'private', 'knock')).toBe(false);
		expect(can('coordinator', 'draft' as Phase, 'knock')).toBe(false);
		expect(can('constructor' as Role, 'private', 'see_log')).toBe(false);
	});

	it('nobody but the family can end or resume private time, in any phase', () => {
		for (const phase of PHASES) {
			for (const role of ['coordinator', 'professional'] as const) {
				expect(can(role, phase, 'end_private_time')).toBe(false);
				expect(can(role, phase, 'resume_private_time')).toBe(false);
				expect(can(role, phase, 'decide_at_door')).toBe(false);
			}
		}
	});
});

describe('a new family device that joins', () => {
	const HOW: Record<Phase, 'at once' | 'at the door' | 'not at all'> = {
		preparation: 'at once',
		information: 'at once',
		private: 'at the door',
		presentation: 'at the door',
		accepted: 'at the door',
		closed: 'not at all'
	};

	it.each(PHASES.map((phase) => ({ phase, how: HOW[phase] })))('in $phase comes in $how', ({ phase, how }) => {
		expect(familyCanJoin(phase)).toBe(how !== 'not at all');
		if (how !== 'not at all') expect(joinsAtTheDoor(phase)).toBe(how === 'at the door');
	});

	it('fails closed on an unknown phase: it waits at the door', () => {
		expect(joinsAtTheDoor('draft' as Phase)).toBe(true);
	});
});
