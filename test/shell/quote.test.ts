import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { fillPlaceholders, shQuote } from '../../src/remote/quote';

// The shells a remote host may run `sh -c` with: /bin/sh here is dash; bash is /bin/sh elsewhere.
// One entry per distinct binary: /bin/sh is usually a link to one of the others.
const SHELLS = ['/bin/sh', '/usr/bin/dash', '/bin/dash', '/bin/bash', '/usr/bin/bash']
  .filter(existsSync)
  .filter((s, i, all) => all.findIndex((o) => realpathSync(o) === realpathSync(s)) === i);

const work = mkdtempSync(join(tmpdir(), 'zdr-quote-'));
const CANARY = join(work, 'CANARY');
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(shell: string, script: string): string {
  // stdin from /dev/null: with a socket on stdin, bash believes sshd started it and reads ~/.bashrc.
  return execFileSync(shell, ['-c', script], {
    cwd: work,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
}

/**
 * Each value as the one argument of a command: prints `<number of words>:<the word>` and a NUL, so
 * a value split into several words, or changed in any way, shows up.
 */
function roundTrip(shell: string, values: string[]): string[] {
  const script = values.map((value) => `set -- ${shQuote(value)}; printf '%s:%s\\000' "$#" "$1"`).join('\n');
  return run(shell, script).split('\0').slice(0, -1);
}

/** Fragments that mean something to a shell, to build hostile strings from. */
const HOSTILE = [
  "'",
  '"',
  '\\',
  '$(',
  ')',
  '`',
  '${',
  '}',
  '$',
  '\n',
  '\r',
  '\t',
  ' ',
  ';',
  '|',
  '&',
  '>',
  '<',
  '*',
  '?',
  '[',
  ']',
  '~',
  '#',
  '!',
  '%',
  '=',
  '-',
  '--',
  '-n',
  '\\n',
  "'\\''",
  `$(touch ${CANARY})`,
  `\`touch ${CANARY}\``,
  'é',
  '日本',
  '😀',
  '\u00a0',
  '\u202e',
  'a',
  'web1',
];

const noNul = (s: string): string => s.replace(/\0/g, '');
const value = fc.oneof(
  fc.string({ maxLength: 40 }).map(noNul),
  fc.string({ unit: 'binary', maxLength: 40 }).map(noNul),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map(noNul),
  fc.array(fc.constantFrom(...HOSTILE), { maxLength: 12 }).map((parts) => parts.join('')),
);

// ---------------------------------------------------------------------------------------------

describe('shQuote', () => {
  it('finds the shells to test with', () => {
    expect(SHELLS[0]).toBe('/bin/sh');
  });

  it.each(SHELLS)(
    'round-trips arbitrary strings through %s -c as exactly one word',
    (shell) => {
      fc.assert(
        fc.property(fc.array(value, { minLength: 1, maxLength: 6 }), (values) => {
          expect(roundTrip(shell, values)).toEqual(values.map((v) => `1:${v}`));
        }),
        { numRuns: 300 },
      );
      expect(existsSync(CANARY)).toBe(false);
    },
    30_000,
  );

  it('round-trips with printf exactly as a command line would use it', () => {
    for (const s of ["it's", '$(id)', '`id`', '-n', '--', '\n', 'a\nb\n', ' lead', 'trail ', '\\', "'", "''", '"\'"', '日本 😀']) {
      expect(run('/bin/sh', `printf '%s' ${shQuote(s)}`)).toBe(s);
    }
  });

  it.each(SHELLS)(
    'never runs code hidden in a value (%s)',
    (shell) => {
      const attacks = [
        `$(touch ${CANARY})`,
        `\`touch ${CANARY}\``,
        `'; touch ${CANARY}; '`,
        `'$(touch ${CANARY})'`,
        `\\'; touch ${CANARY}; #`,
        `"; touch ${CANARY}; "`,
        `x\ntouch ${CANARY}\n`,
        `\${IFS}; touch ${CANARY}`,
        `a' && touch ${CANARY} && echo '`,
      ];
      expect(roundTrip(shell, attacks)).toEqual(attacks.map((a) => `1:${a}`));
      expect(existsSync(CANARY)).toBe(false);
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...HOSTILE), { minLength: 1, maxLength: 16 }), (parts) => {
          const s = parts.join('');
          expect(roundTrip(shell, [s])).toEqual([`1:${s}`]);
        }),
        { numRuns: 100 },
      );
      expect(existsSync(CANARY)).toBe(false);
      expect(readdirSync(work)).toEqual([]);
    },
    30_000,
  );

  it('leaves plain words readable', () => {
    for (const word of ['web1', 'nginx.service', '/var/log/nginx/access.log', 'user@host:22', 'a=b', '10.0.0.1', '50%', 'a+b,c', 'x_y-z']) {
      expect(shQuote(word)).toBe(word);
    }
  });

  it('quotes everything else', () => {
    expect(shQuote('')).toBe("''");
    expect(shQuote('a b')).toBe("'a b'");
    expect(shQuote("it's")).toBe("'it'\\''s'");
    expect(shQuote('-rf')).toBe("'-rf'");
    expect(shQuote('$HOME')).toBe("'$HOME'");
    expect(shQuote('~root')).toBe("'~root'");
    expect(shQuote('*')).toBe("'*'");
  });

  it('passes the empty string as one empty word', () => {
    expect(roundTrip('/bin/sh', [''])).toEqual(['1:']);
  });

  it('refuses NUL, which no shell argument can hold', () => {
    expect(() => shQuote('a\0b')).toThrow(/NUL/);
    expect(() => shQuote('\0')).toThrow(/NUL/);
  });
});

describe('fillPlaceholders', () => {
  it('fills {host} and {name} with quoted values', () => {
    expect(fillPlaceholders('drain {host} as {name}', { host: 'web1', name: 'web 1' })).toBe("drain web1 as 'web 1'");
  });

  it('fills every occurrence', () => {
    expect(fillPlaceholders('{host} {host}', { host: 'a;b' })).toBe("'a;b' 'a;b'");
  });

  it('leaves unknown placeholders and non-placeholders alone', () => {
    expect(fillPlaceholders('x {port} {HOST} {} { host } ${host} {host}', { host: 'web1' })).toBe('x {port} {HOST} {} { host } $web1 web1');
  });

  it('does not expand placeholders that appear inside a value', () => {
    expect(fillPlaceholders('{host}/{name}', { host: '{name}', name: 'n' })).toBe("'{name}'/n");
  });

  it('does not treat inherited object keys as placeholders', () => {
    expect(fillPlaceholders('{constructor} {tostring}', {})).toBe('{constructor} {tostring}');
  });

  it('runs hostile values literally: `echo {host}` prints the value', () => {
    // No backslashes or leading dash: dash's echo would interpret those itself, quoting or not.
    const hostile = [`$(touch ${CANARY})`, `\`touch ${CANARY}\``, `web1; touch ${CANARY}`, `'$(id)'"x"`, 'a  b', `x\ntouch ${CANARY}`, '*'];
    for (const host of hostile) {
      const command = fillPlaceholders('echo {host}', { host });
      expect(run('/bin/sh', command)).toBe(`${host}\n`);
    }
    expect(existsSync(CANARY)).toBe(false);
  });

  it('keeps each value one word, whatever it holds (property)', () => {
    fc.assert(
      fc.property(value, value, (host, name) => {
        const script = fillPlaceholders(`set -- {host} {name}; printf '%s\\000' "$#" "$1" "$2"`, { host, name });
        expect(run('/bin/sh', script).split('\0').slice(0, -1)).toEqual(['2', host, name]);
      }),
      { numRuns: 100 },
    );
    expect(existsSync(CANARY)).toBe(false);
    // 100 shells spawned one after another: like the property tests above, more than vitest's 5 s
    // default on a busy machine (it took 11 s on 2 shared cores).
  }, 30_000);

  it('throws on a NUL in a value', () => {
    expect(() => fillPlaceholders('echo {host}', { host: 'a\0b' })).toThrow(/NUL/);
  });
});
