import { describe, expect, it } from 'vitest';
import { canTransition, transitionsFor } from '$lib/conference/permissions';
import {
	isDocumentName,
	isPhase,
	isRole,
	PHASES,
	planIsAccepted,
	ROLES,
	type Phase,
	type Role
} from '$lib/conference/phases';

/** docs/design.md §1, "Transitions and who may make them", written out. Every other move is refused. */
const ALLOWED: Record<string, Role[]> = {
	'preparation → information': ['coordinator'],
	'information → private': ['coordinator'],
	'private → presentation': ['family'],
	'presentation → private': ['family'],
	'presentation → accepted': ['professional', 'coordinator'],
	'accepted → closed': ['coordinator']
};

const moves = PHASES.flatMap((from) =>
	PHASES.flatMap((to) =>
		ROLES.map((role) => ({ role, from, to, allowed: (ALLOWED[`${from} → ${to}`] ?? []).includes(role) }))
	)
);

describe('who may move a conference from one phase to another', () => {
	it('the table above names only real phases and roles', () => {
		for (const [move, roles] of Object.entries(ALLOWED)) {
			const [from, to] = move.split(' → ');
			expect(isPhase(from) && isPhase(to)).toBe(true);
			for (const role of roles) expect(isRole(role)).toBe(true);
		}
	});

	it.each(moves)('$role: $from → $to is allowed: $allowed', ({ role, from, to, allowed }) => {
		expect(canTransition(role, from, to)).toBe(allowed);
	});

	it.each(PHASES.flatMap((from) => ROLES.map((role) => ({ role, from }))))(
		'the buttons $role sees in $from are exactly the allowed moves',
		({ role, from }) => {
			const expected = PHASES.filter((to) => (ALLOWED[`${from} → ${to}`] ?? []).includes(role));
			expect([...transitionsFor(role, from)].sort()).toEqual([...expected].sort());
		}
	);
});

describe('the rules of the conference, in words', () => {
	it('only the family ends private time', () => {
		for (const to of PHASES) {
			expect(canTransition('coordinator', 'private', to)).toBe(false);
			expect(canTransition('professional', 'private', to)).toBe(false);
		}
		expect(canTransition('family', 'private', 'presentation')).toBe(true);
	});

	it('the family cannot accept its own plan', () => {
		for (const from of PHASES) expect(canTransition('family', from, 'accepted')).toBe(false);
	});

	it('no phase is left for itself, and closed is the end', () => {
		for (const role of ROLES) {
			for (const phase of PHASES) expect(canTransition(role, phase, phase)).toBe(false);
			expect(transitionsFor(role, 'closed')).toEqual([]);
		}
	});

	it('unknown phases and roles move nothing', () => {
		expect(canTransition('coordinator', 'preparation', 'draft' as Phase)).toBe(false);
		expect(canTransition('guest' as Role, 'preparation', 'information')).toBe(false);
		expect(isPhase('draft')).toBe(false);
		expect(isRole('guest')).toBe(false);
		expect(isDocumentName('notes')).toBe(false);
		expect(isDocumentName('plan') && isDocumentName('brief')).toBe(true);
	});
});

describe('the accepted plan', () => {
	it('is frozen from acceptance on, and in no phase before it', () => {
		expect(PHASES.filter(planIsAccepted)).toEqual(['accepted', 'closed']);
	});
});
