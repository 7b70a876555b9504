import { pathToFileURL } from 'node:url';

/**
 * The environment that starts an instance with its clock `skewMs` off the machine's (negative:
 * behind): pass it as `env` to `startKring`. See skewed-clock.mjs.
 */
export function skewedClock(skewMs: number): Record<string, string> {
	const preload = pathToFileURL(new URL('./skewed-clock.mjs', import.meta.url).pathname).href;
	return {
		NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${preload}`.trim(),
		KRING_TEST_CLOCK_SKEW_MS: String(skewMs)
	};
}
