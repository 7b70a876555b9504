// A worker module whose import fails, as a missing package would: for src/lib/server/workers/pool.spec.ts.
import 'a-package-kring-does-not-have';

export default function never() {}
