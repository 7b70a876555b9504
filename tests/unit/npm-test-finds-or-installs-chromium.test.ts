import { spawnSync } from 'node:child_process';
import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	symlinkSync,
	writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * scripts/ensure-chromium.sh runs before Playwright in `npm test` and `.ci/run`. Here it meets a
 * machine made of stand-ins: `id`, `sudo` and `apt-get` on a PATH of their own, each writing down
 * how it was called, and a Chromium path (KRING_CHROMIUM) in a temp folder that apt-get fills.
 */
const SCRIPT = fileURLToPath(new URL('../../scripts/ensure-chromium.sh', import.meta.url));

type Machine = { uid?: number; sudo?: 'none' | 'password' | 'passwordless'; aptGet?: 'works' | 'fails' | 'absent' };

const made: string[] = [];
afterEach(() => {
	for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function machine({ uid = 1000, sudo = 'none', aptGet = 'works' }: Machine, chromiumThere = false) {
	const dir = mkdtempSync(join(tmpdir(), 'kring-ensure-chromium-'));
	made.push(dir);
	const bin = join(dir, 'bin');
	const calls = join(dir, 'calls');
	const chromium = join(dir, 'chromium');
	writeFileSync(calls, '');
	const tool = (name: string, body: string) => writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
	mkdirSync(bin);
	for (const name of ['mktemp', 'tail', 'rm', 'env', 'true']) symlinkSync(`/usr/bin/${name}`, join(bin, name));
	tool('id', `echo ${uid}`);
	if (sudo !== 'none')
		tool(
			'sudo',
			`[ "$1" = -n ] && shift
${sudo === 'password' ? 'echo "sudo: a password is required" >&2; exit 1' : ''}
echo "sudo $*" >> "${calls}"
exec "$@"`
		);
	if (aptGet !== 'absent')
		tool(
			'apt-get',
			`echo "apt-get $* (DEBIAN_FRONTEND=$DEBIAN_FRONTEND)" >> "${calls}"
${aptGet === 'fails' ? 'echo "E: Unable to locate package chromium" >&2; exit 100' : ''}
if [ "$1" = install ]; then echo '#!/bin/sh' > "${chromium}"; /bin/chmod +x "${chromium}"; fi`
		);
	if (chromiumThere) writeFileSync(chromium, '#!/bin/sh\n', { mode: 0o755 });

	const run = () => {
		const result = spawnSync('/bin/bash', [SCRIPT], {
			env: { PATH: bin, KRING_CHROMIUM: chromium, TMPDIR: dir },
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'pipe']
		});
		return {
			status: result.status,
			said: result.stderr,
			calls: readFileSync(calls, 'utf8').trim().split('\n').filter(Boolean),
			chromiumThere: existsSync(chromium)
		};
	};
	return { run, dir };
}

describe('npm test finds Chromium, or installs it, or says how', () => {
	it('goes on at once when Chromium is there, and installs nothing', () => {
		const result = machine({ uid: 1000 }, true).run();
		expect(result.status).toBe(0);
		expect(result.calls).toEqual([]);
		expect(result.said).toBe('');
	});

	it('installs Debian’s chromium as root, without asking anything', () => {
		const result = machine({ uid: 0 }).run();
		expect(result.status).toBe(0);
		expect(result.calls).toEqual([
			'apt-get update -qq (DEBIAN_FRONTEND=noninteractive)',
			'apt-get install -y -qq chromium (DEBIAN_FRONTEND=noninteractive)'
		]);
		expect(result.chromiumThere).toBe(true);
	});

	it('installs it through sudo when sudo needs no password', () => {
		const result = machine({ uid: 1000, sudo: 'passwordless' }).run();
		expect(result.status).toBe(0);
		expect(result.calls).toEqual([
			'sudo true',
			'sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq',
			'apt-get update -qq (DEBIAN_FRONTEND=noninteractive)',
			'sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium',
			'apt-get install -y -qq chromium (DEBIAN_FRONTEND=noninteractive)'
		]);
		expect(result.chromiumThere).toBe(true);
	});

	it.each(['none', 'password'] as const)('stops with the command to run when it may not install (sudo: %s)', (sudo) => {
		const result = machine({ uid: 1000, sudo }).run();
		expect(result.status).toBe(1);
		expect(result.said).toContain('sudo apt-get update && sudo apt-get install -y chromium');
		expect(result.calls.filter((call) => call.startsWith('apt-get'))).toEqual([]);
		expect(result.chromiumThere).toBe(false);
	});

	it('stops and says what it needs on a machine without apt-get', () => {
		const result = machine({ uid: 0, aptGet: 'absent' }).run();
		expect(result.status).toBe(1);
		expect(result.said).toContain('Chromium is missing at');
		expect(result.said).toContain('KRING_CHROMIUM');
	});

	it('stops with apt-get’s own words and the command when the install fails', () => {
		const result = machine({ uid: 0, aptGet: 'fails' }).run();
		expect(result.status).toBe(1);
		expect(result.said).toContain('E: Unable to locate package chromium');
		expect(result.said).toContain('apt-get update && apt-get install -y chromium');
		expect(result.chromiumThere).toBe(false);
	});

	it('leaves no install log behind', () => {
		const { run, dir } = machine({ uid: 0, aptGet: 'fails' });
		run();
		expect(readdirSync(dir).filter((name) => name.startsWith('kring-chromium-install'))).toEqual([]);
	});
});
