// Tests for check_grant.mjs (node --test scripts/interop/): the ratio gate
// passes at 90 %, fails below it and on a report without grant runs, and
// says so on an unreadable report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const script = new URL('./check_grant.mjs', import.meta.url).pathname;
const dir = mkdtempSync(path.join(tmpdir(), 'check-grant-'));

function report(outcomes) {
  const verdicts = outcomes.map(([flow, outcome], i) => ({ key: `c${i}`, flow, outcome }));
  const file = path.join(dir, `r${Math.random()}.json`);
  writeFileSync(file, JSON.stringify({ verdicts }));
  return file;
}

function run(file) {
  return spawnSync(process.execPath, [script, file], { encoding: 'utf8' });
}

const grant = (o, n) => Array.from({ length: n }, () => ['jwt_bearer', o]);

test('90 % exercised passes; INFO counts', () => {
  const r = run(report([...grant('PASS', 6), ...grant('FAIL', 1), ...grant('INFO', 2), ...grant('SKIP', 1), ['private_key_jwt', 'SKIP']]));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /9\/10 runs/);
});

test('below 90 % fails and names the counts', () => {
  const r = run(report([...grant('PASS', 8), ...grant('ERROR', 1), ...grant('SKIP', 1)]));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /8\/10 runs .* ERROR 1, SKIP 1/);
});

test('no grant runs fails', () => {
  const r = run(report([['private_key_jwt', 'PASS']]));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /0\/0 runs/);
});

test('an unreadable report is exit 2', () => {
  const file = path.join(dir, 'garbage.json');
  writeFileSync(file, 'not json');
  const r = run(file);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /garbage\.json/);
});
