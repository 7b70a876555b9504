/**
 * An instance whose clock is off, for tests only: started with
 *
 *   NODE_OPTIONS="--import <this file>" KRING_TEST_CLOCK_SKEW_MS=-15000
 *
 * (see `skewedClock()` in ./skewed-clock-env.ts), the process's `Date` — `new Date()` and
 * `Date.now()` — runs that many milliseconds off the machine's clock, as a server whose clock is
 * wrong does. Kring itself has no such switch; `performance.now()` is left alone, as it is on a
 * real server whose wall clock is wrong.
 */
const skew = Number(process.env.KRING_TEST_CLOCK_SKEW_MS ?? 0);

if (skew) {
	const RealDate = Date;
	globalThis.Date = new Proxy(RealDate, {
		construct(target, args, newTarget) {
			return Reflect.construct(target, args.length === 0 ? [RealDate.now() + skew] : args, newTarget);
		},
		get(target, property, receiver) {
			if (property === 'now') return () => RealDate.now() + skew;
			return Reflect.get(target, property, receiver);
		}
	});
}
