import { describe, expect, it } from 'vitest';
import { peopleOf } from './participants';

describe('the people in the list of devices', () => {
	it('a phone that joined again is one person, connected when any of its devices is', () => {
		const devices = [
			{ id: 'a1', name: 'Oma', role: 'family', connected: false },
			{ id: 'b', name: 'Opa', role: 'family', connected: true },
			{ id: 'a2', name: 'oma ', role: 'family', connected: true },
			{ id: 'p', name: 'Oma', role: 'professional', connected: false }
		];
		const people = peopleOf(devices);
		expect(people.map((person) => [person.name, person.role, person.connected, person.devices.length])).toEqual([
			['Oma', 'family', true, 2],
			['Opa', 'family', true, 1],
			['Oma', 'professional', false, 1]
		]);
	});
});
