import { describe, expect, it } from 'vitest';
import { isLoopback, machineAddress, phoneOrigin } from './room-address';

const iface = (address: string, internal = false) => ({
	address,
	internal,
	family: 'IPv4' as const,
	netmask: '255.255.255.0',
	mac: '00:00:00:00:00:00',
	cidr: `${address}/24`
});
const laptop = {
	lo: [iface('127.0.0.1', true)],
	docker0: [iface('172.17.0.1')],
	wlan0: [iface('192.168.1.23')]
};

describe('the address phones can open', () => {
	it('prefers a private address on a real interface over a container bridge and loopback', () => {
		expect(machineAddress(laptop)).toBe('192.168.1.23');
		expect(machineAddress({ lo: laptop.lo, docker0: laptop.docker0 })).toBe('172.17.0.1');
		expect(machineAddress({ eth0: [iface('169.254.3.4'), iface('192.0.2.2')] })).toBe('192.0.2.2');
		expect(machineAddress({ lo: laptop.lo })).toBeNull();
	});

	it('replaces a loopback page address with the machine address and keeps the port', () => {
		const settings = { origin: null, host: '0.0.0.0' };
		for (const page of ['http://localhost:3000/c/x', 'http://127.0.0.1:3000/', 'http://[::1]:3000/'])
			expect(phoneOrigin(new URL(page), settings, laptop)).toEqual({
				origin: 'http://192.168.1.23:3000',
				reachable: true
			});
	});

	it('keeps an address phones already use, and ORIGIN wins over everything', () => {
		const settings = { origin: null, host: '0.0.0.0' };
		expect(phoneOrigin(new URL('http://192.168.1.23:3000/'), settings, laptop).origin).toBe('http://192.168.1.23:3000');
		expect(
			phoneOrigin(new URL('http://localhost:3000/'), { origin: 'https://kring.example.org', host: '0.0.0.0' }, laptop)
		).toEqual({
			origin: 'https://kring.example.org',
			reachable: true
		});
	});

	it('says when there is no address phones can open', () => {
		expect(
			phoneOrigin(new URL('http://localhost:3000/'), { origin: null, host: '0.0.0.0' }, { lo: laptop.lo })
		).toEqual({
			origin: 'http://localhost:3000',
			reachable: false
		});
		// Listening on loopback only: the machine's address would not answer.
		expect(phoneOrigin(new URL('http://localhost:3000/'), { origin: null, host: '127.0.0.1' }, laptop).reachable).toBe(
			false
		);
		expect(isLoopback('app.localhost')).toBe(true);
	});
});
