// Reads the JSON reports of Vitest and Playwright written during `npm test` and decides the run:
// it fails on any failed, skipped or todo test, on a test file that could not load, on a missing
// report, and on zero tests. Its last line is "N passed, N failed", where "failed" counts every
// test that did not pass (skipped and todo included) plus every file that failed to load.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [reportDir, npmStatusText = '0'] = process.argv.slice(2);
const npmStatus = Number(npmStatusText);
const problems = [];

function read(name) {
	const file = join(reportDir, name);
	if (!existsSync(file)) return null;
	try {
		return JSON.parse(readFileSync(file, 'utf8'));
	} catch (error) {
		problems.push(`${name} is not readable JSON: ${error.message}`);
		return null;
	}
}

function vitestCounts(report) {
	const counts = { passed: 0, failed: 0, skipped: 0, todo: 0, unloaded: 0 };
	const notPassed = [];
	for (const file of report.testResults ?? []) {
		const tests = file.assertionResults ?? [];
		// A file that throws on import has status "failed" and no tests at all.
		if (file.status === 'failed' && !tests.some((t) => t.status === 'failed')) {
			counts.unloaded++;
			notPassed.push(`file failed: ${file.name}: ${String(file.message ?? '').split('\n')[0]}`);
		}
		for (const test of tests) {
			if (test.status === 'passed') counts.passed++;
			else if (test.status === 'failed') counts.failed++;
			else if (test.status === 'todo') counts.todo++;
			else counts.skipped++;
			if (test.status !== 'passed') notPassed.push(`${test.status}: ${test.fullName ?? test.title} (${file.name})`);
		}
	}
	if (report.success === false && counts.failed + counts.unloaded === 0) {
		counts.unloaded++;
		notPassed.push('vitest reported an error outside any test (see its output above)');
	}
	return { counts, notPassed };
}

function playwrightCounts(report) {
	const counts = { passed: 0, failed: 0, skipped: 0, flaky: 0, errors: (report.errors ?? []).length };
	const notPassed = [];
	const walk = (suite, titles) => {
		for (const spec of suite.specs ?? []) {
			for (const test of spec.tests ?? []) {
				const title = [...titles, spec.title].filter(Boolean).join(' › ');
				if (test.status === 'expected') counts.passed++;
				else if (test.status === 'skipped') counts.skipped++;
				else if (test.status === 'flaky') counts.flaky++;
				else counts.failed++;
				if (test.status !== 'expected') notPassed.push(`${test.status}: ${title} (${spec.file})`);
			}
		}
		for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
	};
	for (const suite of report.suites ?? []) walk(suite, []);
	for (const error of report.errors ?? []) notPassed.push(`error: ${String(error.message ?? '').split('\n')[0]}`);
	return { counts, notPassed };
}

const vitest = read('vitest.json');
const playwright = read('playwright.json');
let passed = 0;
let failed = 0;

if (vitest) {
	const { counts, notPassed } = vitestCounts(vitest);
	console.log(
		`vitest:     ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped, ${counts.todo} todo, ${counts.unloaded} file(s) failed to load`
	);
	for (const line of notPassed) console.log(`  ${line}`);
	passed += counts.passed;
	failed += counts.failed + counts.skipped + counts.todo + counts.unloaded;
	if (counts.passed + counts.failed + counts.skipped + counts.todo === 0)
		console.log('  (no unit or integration tests found)');
} else {
	problems.push('vitest did not run or wrote no report');
}

if (playwright) {
	const { counts, notPassed } = playwrightCounts(playwright);
	console.log(
		`playwright: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped, ${counts.flaky} flaky, ${counts.errors} error(s) outside tests`
	);
	for (const line of notPassed) console.log(`  ${line}`);
	passed += counts.passed;
	failed += counts.failed + counts.skipped + counts.flaky + counts.errors;
	if (counts.passed === 0) problems.push('playwright ran no test');
} else {
	problems.push('playwright did not run or wrote no report');
}

if (npmStatus !== 0) problems.push(`npm test exited with ${npmStatus}`);
if (failed > 0) problems.push(`${failed} test(s) or file(s) did not pass; skipped and todo tests count as not passed`);
if (passed === 0) problems.push('no test passed: zero tests is not a green run');

if (problems.length > 0) {
	console.log('');
	for (const problem of problems) console.log(`[ci] FAILED: ${problem}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(problems.length > 0 ? 1 : 0);
