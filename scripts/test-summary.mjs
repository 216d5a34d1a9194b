#!/usr/bin/env node
// Prints one closing line for the whole `npm test` run, from the JSON reports of Vitest and
// Playwright: "tests: N passed, N failed, N skipped".
import { existsSync, readFileSync } from 'node:fs';

const read = (file) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null);
const unit = read('test-results/unit.json');
const e2e = read('test-results/e2e.json');
if (!unit) {
  console.error('test-summary: test-results/unit.json is missing');
  process.exit(1);
}
const passed = unit.numPassedTests + (e2e?.stats.expected ?? 0) + (e2e?.stats.flaky ?? 0);
const failed = unit.numFailedTests + (e2e?.stats.unexpected ?? 0);
const skipped = unit.numPendingTests + unit.numTodoTests + (e2e?.stats.skipped ?? 0);
console.log(`unit: ${unit.numPassedTests} passed, ${unit.numFailedTests} failed, ${unit.numPendingTests + unit.numTodoTests} skipped`);
if (e2e) console.log(`e2e: ${e2e.stats.expected + e2e.stats.flaky} passed, ${e2e.stats.unexpected} failed, ${e2e.stats.skipped} skipped`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
