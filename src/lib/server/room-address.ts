import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

/**
 * The address phones in the room can open. A coordinator who opens Kring on the laptop itself sees
 * `localhost`, and a QR code for `localhost` sends every phone to itself; so the join link carries
 * the machine's address on the room's network instead (docs/design.md §5.1).
 */

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/** Interfaces no phone in the room is on: containers, virtual machines, VPN tunnels. */
const VIRTUAL = /^(docker|br-|veth|virbr|vmnet|vboxnet|tun|tap|utun|tailscale|zt|wg|lxc|lxd|cni|flannel|podman)/i;

/**
 * This machine's IPv4 address on the room's network, or null when it has none: a private address
 * (10/8, 172.16/12, 192.168/16) on a real interface first, then any other non-loopback IPv4.
 */
export function machineAddress(interfaces: Interfaces = networkInterfaces()): string | null {
	const candidates = Object.entries(interfaces).flatMap(([name, infos]) =>
		(infos ?? [])
			.filter((info) => info.family === 'IPv4' && !info.internal && !info.address.startsWith('169.254.'))
			.map((info) => ({
				address: info.address,
				rank: (isPrivate(info.address) ? 0 : 2) + (VIRTUAL.test(name) ? 1 : 0)
			}))
	);
	candidates.sort((a, b) => a.rank - b.rank);
	return candidates[0]?.address ?? null;
}

function isPrivate(address: string): boolean {
	const [a, b] = address.split('.').map(Number);
	return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

export function isLoopback(hostname: string): boolean {
	const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
	return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || host.startsWith('127.');
}

/**
 * The origin to put in join links and QR codes, for a page asked for at `pageUrl`: `ORIGIN` when
 * set; the page's own origin when phones can open it already; for a page on a loopback address,
 * the machine's network address with the same port. `reachable` is false when Kring cannot name
 * an address phones can open (no network, or it listens on loopback only): the board warns.
 */
export function phoneOrigin(
	pageUrl: URL,
	settings: { origin: string | null; host: string },
	interfaces?: Interfaces
): { origin: string; reachable: boolean } {
	if (settings.origin) return { origin: settings.origin, reachable: true };
	if (!isLoopback(pageUrl.hostname)) return { origin: pageUrl.origin, reachable: true };
	const address = isLoopback(settings.host)
		? null
		: ['0.0.0.0', '::', ''].includes(settings.host)
			? machineAddress(interfaces)
			: settings.host;
	if (!address) return { origin: pageUrl.origin, reachable: false };
	const url = new URL(pageUrl.origin);
	url.hostname = address.includes(':') ? `[${address}]` : address;
	return { origin: url.origin, reachable: true };
}

/** What the start-up message names for phones: ORIGIN, or this machine's address on the room's network. */
export function networkUrl(settings: { origin: string | null; host: string; port: number }): string | null {
	const { origin, reachable } = phoneOrigin(new URL(`http://localhost:${settings.port}`), settings);
	return reachable ? origin : null;
}
