/** The test fakes' reading of a command line (test/support/exec-line.ts), against the lines execLine builds. */
import { describe, expect, it } from 'vitest';
import { execLine } from '../../src/remote/commands';
import { parseExecLine } from '../support/exec-line';

const cmd = { kind: 'nginx-reload', title: 't', script: 'echo "$1"\nexit 0', timeoutMs: 5000, args: ["it's", 'b c'] };

describe('parseExecLine', () => {
  it('reads back the kind, the script as built (without the locale line), the arguments and sudo', () => {
    expect(parseExecLine(execLine(cmd, { sudo: false }))).toEqual({
      kind: 'nginx-reload',
      script: cmd.script,
      args: cmd.args,
      sudo: false,
    });
    expect(parseExecLine(execLine(cmd, { sudo: true })).sudo).toBe(true);
  });

  it('reads a line of a bundle built before the script set its own locale (an env before sh), for the simulated fleet', () => {
    const old = `timeout -k 3 5 env LC_ALL=C sh -c 'echo "$1"' zdr.user 'a b'`;
    expect(parseExecLine(old)).toEqual({ kind: 'user', script: 'echo "$1"', args: ['a b'], sudo: false });
  });

  it('refuses a line that sets the locale neither way, or names no kind', () => {
    expect(() => parseExecLine(`timeout -k 3 5 sh -c 'echo hi' zdr.user`)).toThrow(/not a line built by execLine/);
    expect(() => parseExecLine(`timeout -k 3 5 sh -c 'export LC_ALL=C; echo hi' user`)).toThrow(/not a line built by execLine/);
  });
});
