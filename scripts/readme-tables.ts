/**
 * The README's input and output tables, generated from action.yml so they cannot drift.
 *
 *   npx tsx scripts/readme-tables.ts           print both tables
 *   npx tsx scripts/readme-tables.ts --write   put them into README.md between the markers
 *   npx tsx scripts/readme-tables.ts --check   exit 1, showing the difference, if README.md is stale
 *
 * README.md holds each table between `<!-- inputs:start -->` and `<!-- inputs:end -->` (and the
 * same with `outputs`); everything outside the markers is left alone.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface ActionInput {
  description?: unknown;
  required?: unknown;
  default?: unknown;
}

interface ActionOutput {
  description?: unknown;
}

interface ActionMetadata {
  inputs?: Record<string, ActionInput | null>;
  outputs?: Record<string, ActionOutput | null>;
}

/** The sections README.md carries, in the order they are checked. */
export const SECTIONS = ['inputs', 'outputs'] as const;
export type Section = (typeof SECTIONS)[number];

/** Markdown table of the inputs: input | default | description, in action.yml's order. */
export function inputsTable(actionYml: string): string {
  const rows = Object.entries(metadata(actionYml).inputs ?? {}).map(([name, input]) => {
    const required = input?.required === true || input?.required === 'true';
    const value = input?.default === undefined || input.default === null ? '' : String(input.default);
    const shown = required && value === '' ? '**required**' : value === '' ? '—' : code(value);
    return `| ${code(name)} | ${shown} | ${text(input?.description)} |`;
  });
  return ['| input | default | description |', '| --- | --- | --- |', ...rows].join('\n');
}

/** Markdown table of the outputs: output | description, in action.yml's order. */
export function outputsTable(actionYml: string): string {
  const rows = Object.entries(metadata(actionYml).outputs ?? {}).map(
    ([name, output]) => `| ${code(name)} | ${text(output?.description)} |`,
  );
  return ['| output | description |', '| --- | --- |', ...rows].join('\n');
}

/** The table a section holds. */
export function tableFor(section: Section, actionYml: string): string {
  return section === 'inputs' ? inputsTable(actionYml) : outputsTable(actionYml);
}

/** The text between a section's markers, or null when the markers are missing or out of order. */
export function readSection(readme: string, section: Section): string | null {
  const bounds = markers(readme, section);
  return bounds ? readme.slice(bounds.from, bounds.to) : null;
}

/** README text with every section's table regenerated; throws when a section's markers are missing. */
export function updateReadme(readme: string, actionYml: string): string {
  let out = readme;
  for (const section of SECTIONS) {
    const bounds = markers(out, section);
    if (!bounds) throw new Error(`README.md has no ${startMarker(section)} … ${endMarker(section)} pair`);
    out = `${out.slice(0, bounds.from)}\n${tableFor(section, actionYml)}\n${out.slice(bounds.to)}`;
  }
  return out;
}

/** What is stale in README against action.yml, one message per section; empty when it is current. */
export function checkReadme(readme: string, actionYml: string): string[] {
  const problems: string[] = [];
  for (const section of SECTIONS) {
    const current = readSection(readme, section);
    if (current === null) {
      problems.push(`README.md has no ${startMarker(section)} … ${endMarker(section)} pair`);
      continue;
    }
    const expected = `\n${tableFor(section, actionYml)}\n`;
    if (current !== expected)
      problems.push(
        `the ${section} table differs from action.yml (- README.md, + generated):\n${lineDiff(current.trim(), expected.trim())}`,
      );
  }
  return problems;
}

function metadata(actionYml: string): ActionMetadata {
  const parsed = parse(actionYml) as unknown;
  if (parsed === null || typeof parsed !== 'object') throw new Error('action.yml is not a mapping');
  return parsed as ActionMetadata;
}

const startMarker = (section: Section): string => `<!-- ${section}:start -->`;
const endMarker = (section: Section): string => `<!-- ${section}:end -->`;

function markers(readme: string, section: Section): { from: number; to: number } | null {
  const start = readme.indexOf(startMarker(section));
  if (start < 0) return null;
  const from = start + startMarker(section).length;
  const to = readme.indexOf(endMarker(section), from);
  return to < 0 ? null : { from, to };
}

/** Cell text: one line, pipes escaped (GitHub's tables split on a bare `|`, even inside code). */
function text(value: unknown): string {
  return String(value ?? '')
    .trim()
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|');
}

/** A value as inline code, with a fence longer than any backtick run inside it. */
function code(value: string): string {
  const longest = Math.max(0, ...(value.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = value.startsWith('`') || value.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text(value)}${pad}${fence}`;
}

/** The lines that differ, by longest common subsequence; enough to see what changed in a table. */
function lineDiff(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (j < b.length && (i === a.length || lcs[i]![j + 1]! > lcs[i + 1]![j]!)) {
      out.push(`+ ${b[j++]}`);
    } else {
      out.push(`- ${a[i++]}`);
    }
  }
  return out.join('\n');
}

function main(): number {
  const root = join(__dirname, '..');
  const actionYml = readFileSync(join(root, 'action.yml'), 'utf8');
  const readmePath = join(root, 'README.md');
  const mode = process.argv[2];
  if (mode === '--write') {
    const readme = readFileSync(readmePath, 'utf8');
    const updated = updateReadme(readme, actionYml);
    if (updated !== readme) writeFileSync(readmePath, updated);
    process.stdout.write(updated === readme ? 'README.md tables are current\n' : 'README.md tables regenerated from action.yml\n');
    return 0;
  }
  if (mode === '--check') {
    const problems = existsSync(readmePath) ? checkReadme(readFileSync(readmePath, 'utf8'), actionYml) : ['README.md does not exist'];
    for (const p of problems) process.stdout.write(`${p}\n`);
    if (problems.length > 0) process.stdout.write('Run: npx tsx scripts/readme-tables.ts --write\n');
    else process.stdout.write('README.md tables match action.yml\n');
    return problems.length === 0 ? 0 : 1;
  }
  if (mode !== undefined) {
    process.stderr.write('usage: npx tsx scripts/readme-tables.ts [--write | --check]\n');
    return 2;
  }
  process.stdout.write(`${inputsTable(actionYml)}\n\n${outputsTable(actionYml)}\n`);
  return 0;
}

// Run only as a script, not when a test imports it.
if (/readme-tables\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  try {
    process.exitCode = main();
  } catch (error: unknown) {
    process.stderr.write(`readme-tables: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}
