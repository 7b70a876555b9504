import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig, type ReporterDescription } from '@playwright/test';

/**
 * End-to-end tests run against the built server (`npm run build` first), on a fixed port and a
 * store of their own: a fresh `<db>_e2e` database when DATABASE_URL is set, else a fresh PGlite
 * directory. tests/e2e/support/serve.js prepares that store; it has to happen in the web server's
 * command because Playwright starts the web server before any globalSetup.
 */
const PORT = Number(process.env.KRING_E2E_PORT ?? 4173);
const BASE_URL = `http://127.0.0.1:${PORT}`;

// This file is evaluated again in every worker; the environment carries the first choice along.
process.env.KRING_E2E_DATA_DIR ??= join(tmpdir(), `kring-e2e-${process.pid}`);

// .ci/run asks for a JSON report to count passed, failed and skipped tests.
const reportDir = process.env.KRING_TEST_REPORT_DIR;
const reporter: ReporterDescription[] = [['list']];
if (reportDir) reporter.push(['json', { outputFile: join(reportDir, 'playwright.json') }]);

export default defineConfig({
	testDir: 'tests/e2e',
	testMatch: '**/*.e2e.ts',
	outputDir: 'test-results',
	forbidOnly: true,
	retries: 0,
	workers: 1,
	fullyParallel: false,
	timeout: 60_000,
	expect: { timeout: 10_000 },
	reporter,
	// Tests save the screenshots they want to keep under docs/screenshots/ themselves.
	use: {
		baseURL: BASE_URL,
		browserName: 'chromium',
		locale: 'nl-NL',
		timezoneId: 'Europe/Amsterdam',
		screenshot: 'off',
		trace: 'off',
		video: 'off',
		launchOptions: {
			// Debian's Chromium; scripts/ensure-chromium.sh installs it when it is missing.
			executablePath: process.env.KRING_CHROMIUM ?? '/usr/bin/chromium',
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
				'--disable-quic',
				'--no-first-run'
			]
		}
	},
	webServer: {
		command: 'node tests/e2e/support/serve.js',
		url: `${BASE_URL}/`,
		reuseExistingServer: false,
		timeout: 90_000,
		gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
		stdout: 'ignore',
		stderr: 'pipe',
		// A fresh store has no account yet: the server prints the one-time setup link, and
		// Playwright hands its token to the tests as process.env.KRING_SETUP_TOKEN.
		wait: { stdout: /\/setup\/(?<kring_setup_token>[a-z0-9]+)/ },
		env: {
			PORT: String(PORT),
			// Every interface, as with `npm start`: the join link then names the machine's network address.
			HOST: '0.0.0.0',
			// No ORIGIN, as with `npm start`: Kring then serves plain http to whatever host the phones use.
			KRING_DATA_DIR: process.env.KRING_E2E_DATA_DIR
		}
	}
});
