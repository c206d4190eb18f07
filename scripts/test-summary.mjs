#!/usr/bin/env node
// Prints one closing line for the whole test run, "tests: N passed, N failed", from the JSON
// results that each package's Jest run writes to .jest-results.json.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let passed = 0;
let failed = 0;
let skipped = 0;

for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(path.join(root, group))) {
    const file = path.join(root, group, name, '.jest-results.json');
    if (!existsSync(file)) {
      continue;
    }
    const results = JSON.parse(readFileSync(file, 'utf8'));
    passed += results.numPassedTests;
    failed += results.numFailedTests + (results.numRuntimeErrorTestSuites ?? 0);
    skipped += results.numPendingTests + results.numTodoTests;
  }
}

console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
