// check_grant.mjs REPORT.json [MIN_RATIO]
//
// The interop lane must exercise the JWT bearer grant, not skip it: at least
// MIN_RATIO (default 0.9) of the jwt_bearer runs in a jwtharness conform
// report must end PASS, FAIL or WARN (not SKIP or ERROR). INFO counts as
// exercised too: the case ran and reports what it observed, ungated because
// the target declares no policy about it. Prints the counts; exits 1 below
// the ratio, 2 on an unreadable report.
import { readFileSync } from 'node:fs';

const [file, minArg] = process.argv.slice(2);
const min = minArg === undefined ? 0.9 : Number(minArg);
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`check_grant: ${file}: ${err.message}`);
  process.exit(2);
}
if (!Array.isArray(report.verdicts)) {
  console.error(`check_grant: ${file}: no "verdicts" array`);
  process.exit(2);
}
const counts = {};
let total = 0;
for (const v of report.verdicts) {
  if (v.flow !== 'jwt_bearer') continue;
  counts[v.outcome] = (counts[v.outcome] ?? 0) + 1;
  total += 1;
}
const exercised = (counts.PASS ?? 0) + (counts.FAIL ?? 0) + (counts.WARN ?? 0) + (counts.INFO ?? 0);
const ratio = total ? exercised / total : 0;
const detail = Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ');
const pct = (100 * ratio).toFixed(1);
if (total === 0 || ratio < min) {
  console.error(`check_grant: jwt_bearer exercised in ${exercised}/${total} runs (${pct} %, need ${100 * min} %): ${detail}`);
  process.exit(1);
}
console.log(`check_grant: jwt_bearer exercised in ${exercised}/${total} runs (${pct} %): ${detail}`);
