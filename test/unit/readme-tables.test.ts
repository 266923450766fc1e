import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { checkReadme, inputsTable, outputsTable, readSection, updateReadme } from '../../scripts/readme-tables';

const root = join(__dirname, '../..');
const actionYml = readFileSync(join(root, 'action.yml'), 'utf8');
const readmePath = join(root, 'README.md');

const TEMPLATE = [
  '# Title',
  '',
  '## Inputs',
  '<!-- inputs:start -->',
  '<!-- inputs:end -->',
  '',
  '## Outputs',
  '<!-- outputs:start -->',
  'stale text',
  '<!-- outputs:end -->',
  '',
  'Footer.',
  '',
].join('\n');

/** action.yml with edits, in memory. */
function editedAction(edit: (doc: ReturnType<typeof parseDocument>) => void): string {
  const doc = parseDocument(actionYml);
  edit(doc);
  return doc.toString();
}

describe('README.md', () => {
  it('carries the input and output tables generated from action.yml (npx tsx scripts/readme-tables.ts --write)', () => {
    expect(existsSync(readmePath), 'README.md exists').toBe(true);
    expect(checkReadme(readFileSync(readmePath, 'utf8'), actionYml)).toEqual([]);
  });
});

describe('the drift check', () => {
  const current = updateReadme(TEMPLATE, actionYml);

  it('passes for a README generated from the same action.yml', () => {
    expect(checkReadme(current, actionYml)).toEqual([]);
  });

  it('fails when action.yml alone gains an input, naming the new row', () => {
    const changed = editedAction((doc) => doc.setIn(['inputs', 'canary-percent'], { description: 'Share of hosts first.', default: '10' }));
    const problems = checkReadme(current, changed);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('the inputs table differs');
    expect(problems[0]).toContain('+ | `canary-percent` | `10` | Share of hosts first. |');
  });

  it('fails when action.yml alone changes a default, showing the old and the new row', () => {
    const changed = editedAction((doc) => doc.setIn(['inputs', 'drain-timeout', 'default'], '90s'));
    const problems = checkReadme(current, changed);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^- \| `drain-timeout` \| `60s` \|/m);
    expect(problems[0]).toMatch(/^\+ \| `drain-timeout` \| `90s` \|/m);
  });

  it('fails when action.yml alone changes an output', () => {
    const changed = editedAction((doc) => doc.setIn(['outputs', 'duration-ms', 'description'], 'How long the rollout took.'));
    expect(checkReadme(current, changed)).toEqual([expect.stringContaining('the outputs table differs')]);
  });

  it('fails, saying so, when the markers are missing', () => {
    expect(checkReadme('# README without markers\n', actionYml)).toEqual([
      'README.md has no <!-- inputs:start --> … <!-- inputs:end --> pair',
      'README.md has no <!-- outputs:start --> … <!-- outputs:end --> pair',
    ]);
  });
});

describe('updateReadme', () => {
  it('replaces only what is between the markers, and is idempotent', () => {
    const once = updateReadme(TEMPLATE, actionYml);
    expect(once.startsWith('# Title\n\n## Inputs\n<!-- inputs:start -->\n| input | default | description |')).toBe(true);
    expect(once).not.toContain('stale text');
    expect(once.endsWith('<!-- outputs:end -->\n\nFooter.\n')).toBe(true);
    expect(updateReadme(once, actionYml)).toBe(once);
    expect(readSection(once, 'outputs')).toBe(`\n${outputsTable(actionYml)}\n`);
  });

  it('refuses a README without markers instead of appending somewhere', () => {
    expect(() => updateReadme('# nothing\n', actionYml)).toThrow('<!-- inputs:start -->');
  });
});

describe('inputsTable and outputsTable', () => {
  it('list every input and output of action.yml once, in its order', () => {
    const action = parse(actionYml) as { inputs: Record<string, unknown>; outputs: Record<string, unknown> };
    const names = (table: string): string[] =>
      table
        .split('\n')
        .slice(2)
        .map((row) => /^\| `([^`]+)` \|/.exec(row)?.[1] ?? row);
    expect(names(inputsTable(actionYml))).toEqual(Object.keys(action.inputs));
    expect(names(outputsTable(actionYml))).toEqual(Object.keys(action.outputs));
  });

  it('shows required inputs, empty defaults and code defaults distinctly', () => {
    const table = inputsTable(actionYml);
    expect(table).toContain('| `hosts` | **required** |');
    expect(table).toContain('| `passphrase` | — |');
    expect(table).toContain('| `drain-timeout` | `60s` |');
  });

  it('escapes pipes, joins lines and fences backticks so every row stays one row of three cells', () => {
    const yml = [
      'inputs:',
      '  pick:',
      "    description: 'a | b'",
      "    default: 'x|y'",
      '  long:',
      '    description: |',
      '      first line',
      '      second line',
      '  tick:',
      '    description: with `code`',
      "    default: 'a`b'",
      'outputs:',
      '  out:',
      "    description: 'p | q'",
    ].join('\n');
    expect(inputsTable(yml).split('\n').slice(2)).toEqual([
      '| `pick` | `x\\|y` | a \\| b |',
      '| `long` | — | first line second line |',
      '| `tick` | ``a`b`` | with `code` |',
    ]);
    expect(outputsTable(yml).split('\n')[2]).toBe('| `out` | p \\| q |');
    for (const row of inputsTable(yml).split('\n')) expect(row.replace(/\\\|/g, '').split('|')).toHaveLength(5);
  });
});
