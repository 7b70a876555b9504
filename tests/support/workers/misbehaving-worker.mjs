// A worker thread that fails in the ways a real one might: for src/lib/server/workers/pool.spec.ts.
export default function misbehave({ name, input }) {
	if (name === 'echo') return input;
	if (name === 'crash') process.exit(3);
	if (name === 'throw') throw new Error('the task broke');
	if (name === 'hang') for (;;);
	throw new Error(`unknown task ${name}`);
}
