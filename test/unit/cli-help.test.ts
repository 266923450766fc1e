import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionInputs } from '../../src/cli/action-yml';
import { helpText } from '../../src/cli/help';
import { INPUT_DEFAULTS } from '../../src/settings/inputs';
import { cli } from '../support/cli';

const root = resolve(__dirname, '../..');
const ACTION_YML = readFileSync(resolve(root, 'action.yml'), 'utf8');
const CLI = resolve(root, 'dist/cli.js');

/** The help's entry for one input: its flag line and the wrapped text under it, as one line of words. */
function entry(help: string, name: string): { flags: string; text: string } {
  const lines = help.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`  --${name} `) || l.startsWith(`  --${name}[`));
  if (at < 0) throw new Error(`--${name} is not in the help`);
  const body: string[] = [];
  for (let i = at + 1; i < lines.length && lines[i]?.startsWith('      '); i++) body.push((lines[i] as string).trim());
  return { flags: lines[at] as string, text: body.join(' ') };
}

const words = (text: string): string => text.split(/\s+/).filter(Boolean).join(' ');

describe('--help is generated from action.yml, so the two cannot drift', () => {
  it('every input of action.yml has its flag, its description word for word, and its default', () => {
    const help = helpText(actionInputs(ACTION_YML));
    const inputs = actionInputs(ACTION_YML);
    expect(inputs.map(([n]) => n).sort()).toEqual(Object.keys(INPUT_DEFAULTS).sort());
    for (const [name, spec] of inputs) {
      const { text } = entry(help, name);
      expect(text.startsWith(words(spec.description)), name).toBe(true);
      if (spec.required) expect(text, name).toContain('Required.');
      else if (spec.default) expect(text, name).toContain(`Default: ${spec.default}.`);
    }
  });

  it('a changed description or default in action.yml changes the help (it is read, not copied)', () => {
    const changed = ACTION_YML.replace(
      'description: SSH user where a host does not name one.',
      'description: Who logs in, changed.',
    ).replace(/(\n {2}user:\n(?: {4}.*\n)*? {4}default: )root/, '$1deploy');
    expect(changed).not.toBe(ACTION_YML);
    expect(entry(helpText(actionInputs(changed)), 'user').text).toBe('Who logs in, changed. Default: deploy.');
  });

  it('shows the -file flag, the environment variable and the boolean form where they apply', () => {
    const help = helpText(actionInputs(ACTION_YML));
    expect(entry(help, 'private-key').flags).toBe('  --private-key VALUE, --private-key-file FILE');
    expect(entry(help, 'private-key').text).toContain('Secret: also from $ZDR_PRIVATE_KEY.');
    expect(entry(help, 'known-hosts').flags).toBe('  --known-hosts VALUE, --known-hosts-file FILE');
    expect(entry(help, 'dry-run').flags).toBe('  --dry-run[=true|false]');
    expect(help).toMatch(
      /Precedence: flag > environment \(secrets\s+only: ZDR_PRIVATE_KEY, ZDR_PASSPHRASE, ZDR_JUMP_PRIVATE_KEY,[\s\S]*\) > config file > default\./,
    );
  });

  it('`zero-downtime-restart --help` prints it and exits 0', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(helpText(actionInputs(ACTION_YML)));
  });

  it('the built dist/cli.js carries the action.yml beside it: its --help is this action.yml’s (npm run build)', () => {
    expect(existsSync(CLI), 'dist/cli.js is built').toBe(true);
    const run = spawnSync(process.env.ZDR_NODE || process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(helpText(actionInputs(ACTION_YML)));
  });
});
