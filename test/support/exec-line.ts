import { SET_C_LOCALE } from '../../src/remote/commands/exec';

/**
 * Reads back a line built by execLine (src/remote/commands/exec.ts), the way the host's shell would:
 * the script given to `sh -c` (without the locale line every script starts with), its `$0` (`zdr.KIND`, the builder's identity) and its arguments.
 * Fakes recognise a command by its kind and read its values from its arguments, so rewording a
 * script does not break them.
 */
export interface ParsedLine {
  kind: string;
  script: string;
  args: string[];
  sudo: boolean;
}

/** Splits a command line into words, undoing the single quotes and backslashes shQuote writes. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (quoted) {
      if (c === "'") quoted = false;
      else word += c;
    } else if (c === "'") {
      quoted = true;
      word ??= '';
    } else if (c === '\\') {
      word = (word ?? '') + line.charAt(++i);
    } else if (c === ' ') {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quoted) throw new Error(`unterminated quote in ${line}`);
  if (word !== null) words.push(word);
  return words;
}

export function parseExecLine(line: string): ParsedLine {
  const words = shellWords(line);
  const at = words.indexOf('-c');
  const script = words[at + 1];
  const name = words[at + 2];
  // The C locale: set by the script itself, or (a bundle built before 8150f09, run against the
  // simulated fleet) by `env LC_ALL=C` before `sh`. A line that sets it neither way is not one.
  const envBefore = words[at - 3] === 'env' && words[at - 2] === 'LC_ALL=C';
  const ownLocale = !envBefore && script?.startsWith(SET_C_LOCALE);
  if (at < 0 || words[at - 1] !== 'sh' || script === undefined || !(envBefore || ownLocale) || !name?.startsWith('zdr.')) {
    throw new Error(`not a line built by execLine: ${line.slice(0, 200)}`);
  }
  return {
    kind: name.slice('zdr.'.length),
    script: ownLocale ? script.slice(SET_C_LOCALE.length) : script,
    args: words.slice(at + 3),
    sudo: words[0] === 'sudo',
  };
}
