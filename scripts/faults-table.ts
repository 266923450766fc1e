/**
 * The README's reliability table, generated from the fault suite's results
 * (test/fleet/results/faults.json, written by test/fleet/faults.test.ts on every run).
 *   npx tsx scripts/faults-table.ts --write   rewrite the README section
 *   npx tsx scripts/faults-table.ts --check   exit 1 when the README differs from the results
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FaultRow } from '../test/support/fleet-state';

const root = resolve(__dirname, '..');
const START = '<!-- faults:start -->';
const END = '<!-- faults:end -->';

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function faultsTable(rows: FaultRow[]): string {
  const lines = [
    `The fault suite (\`test/fleet/faults.test.ts\`, part of \`npm test\`) runs each fault on the real fleet and records what happened; this table is generated from that record (\`npm run faults:table\`). "Changed" lists hosts whose nginx workers or app process changed; "LB after" is HAProxy's view of each host when the run ended.`,
    '',
    '| # | fault | step | `status` | `failed-host` | phase | changed | LB after | crash | verdict |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const lb = Object.entries(r.lb)
      .map(([h, s]) => `${h} ${s}`)
      .join(', ');
    const verdict = r.verdict.length > 140 ? `${r.verdict.slice(0, 139)}…` : r.verdict;
    lines.push(
      `| ${r.n} | ${cell(r.fault)} | ${r.result} | ${r.status} | ${cell(r.failedHost) || '—'} | ${r.phase || '—'} | ${r.changed.join(', ') || 'none'} | ${cell(lb)} | ${r.crash} | ${cell(verdict) || '—'} |`,
    );
  }
  return lines.join('\n');
}

/** The README with its faults section replaced. */
export function withFaults(readme: string, rows: FaultRow[]): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} … ${END} section`);
  return `${readme.slice(0, start + START.length)}\n${faultsTable(rows)}\n${readme.slice(end)}`;
}

function main(): void {
  const rows = JSON.parse(readFileSync(resolve(root, 'test/fleet/results/faults.json'), 'utf8')) as FaultRow[];
  const readmePath = resolve(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const next = withFaults(readme, rows);
  if (process.argv.includes('--write')) {
    writeFileSync(readmePath, next);
    console.log(`README.md reliability table: ${rows.length} faults`);
  } else if (next !== readme) {
    console.error('README.md reliability table differs from test/fleet/results/faults.json: run npm run faults:table');
    process.exit(1);
  }
}

if (require.main === module) main();
