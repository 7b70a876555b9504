import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PARTICIPANT_STATUSES } from './participants';
import {
	acceptanceBy,
	accountCan,
	ACTIONS,
	actionsFor,
	actionsOf,
	can,
	confirmsTheCircle,
	familyCanJoin,
	joinsAtTheDoor,
	mayConfirm,
	maySendAwayAlone,
	memberCan,
	PHASE_CHANGES,
	SEND_AWAY_ALONE,
	sendsTheUnconfirmedToTheDoor,
	type AccountAction,
	type Action
} from './permissions';
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
| question_card       | -                            | pres                    | -        |
| close               | acc                          | -                       | -        |
| knock               | priv                         | -                       | -        |
| answer_knock        | -                            | -                       | priv     |
| decide_at_door      | -                            | -                       | all      |
| confirm_device      | -                            | -                       | priv     |
| remove_device       | prep info                    | -                       | all      |
| answer_removal      | -                            | -                       | all      |
| create_invite       | prep info priv pres acc      | -                       | -        |
| edit_question       | prep info                    | -                       | -        |
| see_log             | prep info pres acc clo       | -                       | all      |
| see_people          | prep info pres acc           | prep info pres acc clo  | all      |
| see_door            | -                            | -                       | all      |
| set_retention       | all                          | -                       | -        |
| erase               | clo                          | -                       | acc clo  |
| download_my_data    | -                            | -                       | all      |
| tick_agreement      | -                            | -                       | acc clo  |
| set_evaluation_date | acc                          | -                       | acc clo  |
| make_plan_link      | -                            | -                       | acc clo  |
| start_evaluation    | acc clo                      | -                       | -        |
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

	it('is the table docs/design.md shows, byte for byte', () => {
		const design = readFileSync(new URL('../../../docs/design.md', import.meta.url), 'utf8');
		expect(design).toContain('```' + DESIGN_TABLE + '```');
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

describe('what a member may do by standing', () => {
	const members = ROLES.flatMap((role) =>
		PHASES.flatMap((phase) => PARTICIPANT_STATUSES.map((status) => ({ role, phase, status })))
	);

	it.each(members)('$role, $status, in $phase', ({ role, phase, status }) => {
		const member = { role, status, conference: { phase } };
		for (const action of ACTIONS) {
			// Someone who is in may do what the table says; an unconfirmed device only confirms others.
			const expected =
				status === 'active'
					? can(role, phase, action)
					: status === 'unconfirmed'
						? action === 'confirm_device' && can(role, phase, action)
						: false;
			expect(memberCan(member, action), action).toBe(expected);
		}
		expect(actionsOf(member)).toEqual(ACTIONS.filter((action) => memberCan(member, action)));
	});

	it('fails closed on a standing it does not know', () => {
		for (const status of ['toString', '__proto__', 'constructor', 'gone'])
			expect(memberCan({ role: 'family', status, conference: { phase: 'private' } }, 'confirm_device')).toBe(false);
	});
});

describe('the family confirms its circle at the hand-over', () => {
	it('is asked at the hand-over and nowhere else', () => {
		expect(PHASE_CHANGES.filter((change) => confirmsTheCircle(change.action)).map((c) => [c.from, c.to])).toEqual([
			['information', 'private']
		]);
	});

	it('sends the devices nobody confirmed to the door when private time ends, and at no other change', () => {
		expect(
			PHASE_CHANGES.filter((change) => sendsTheUnconfirmedToTheDoor(change.action)).map((c) => [c.from, c.to])
		).toEqual([['private', 'presentation']]);
	});

	it('lets any device confirm another, whoever else is in', () => {
		for (const othersInCircle of [0, 1, 5])
			for (const statement of [true, false]) expect(mayConfirm({ self: false, othersInCircle, statement })).toBe(true);
	});

	it('lets a device confirm itself only when it is alone, and only with its statement', () => {
		expect(mayConfirm({ self: true, othersInCircle: 0, statement: true })).toBe(true);
		expect(mayConfirm({ self: true, othersInCircle: 0, statement: false })).toBe(false);
		for (const othersInCircle of [1, 2, 10])
			for (const statement of [true, false]) expect(mayConfirm({ self: true, othersInCircle, statement })).toBe(false);
	});
});

describe('sending devices away', () => {
	it('a family device sends one device away on its own; for every further one a second must agree', () => {
		expect(SEND_AWAY_ALONE).toBe(1);
		expect(maySendAwayAlone('family', 0)).toBe(true);
		for (const sent of [1, 2, 7]) expect(maySendAwayAlone('family', sent)).toBe(false);
	});

	it("the coordinator's removals before private time are not counted", () => {
		for (const sent of [0, 1, 7]) expect(maySendAwayAlone('coordinator', sent)).toBe(true);
	});
});

describe('who accepts the plan (docs/design.md §7)', () => {
	it('with professionals in the conference each accepts for themselves, and the coordinator does not', () => {
		expect(acceptanceBy('professional', 2)).toBe('own');
		expect(acceptanceBy('coordinator', 1)).toBe(null);
		expect(acceptanceBy('family', 1)).toBe(null);
	});

	it('with no professional, the coordinator records the family’s plan as accepted', () => {
		expect(acceptanceBy('coordinator', 0)).toBe('whole');
		expect(acceptanceBy('family', 0)).toBe(null);
	});
});

describe('what a staff account may do outside a conference', () => {
	it('only a coordinator creates conferences', () => {
		expect(accountCan('coordinator', 'create_conference')).toBe(true);
		expect(accountCan('professional', 'create_conference')).toBe(false);
		expect(accountCan('coordinator', 'erase_demo')).toBe(true);
		expect(accountCan('professional', 'erase_demo')).toBe(false);
	});

	it('fails closed on anything outside the table', () => {
		expect(accountCan('coordinator', 'toString' as AccountAction)).toBe(false);
		expect(accountCan('coordinator', '__proto__' as AccountAction)).toBe(false);
	});
});
