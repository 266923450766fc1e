/**
 * Text from hosts, users' commands and load balancers reaches the runner's log, where a line that
 * starts with `::` (after blanks) is a workflow command, and `##[` anywhere starts a legacy one:
 * `::add-mask::`, `::stop-commands::`, `##[error]`… Everything the product prints goes through
 * neutralise(), so no such line can be smuggled in. The product's own text never needs either.
 * The same text reaches a terminal (the CLI, a runner log viewed raw), which obeys escape
 * sequences, so control characters are shown rather than passed on (inert()).
 */

/** A zero-width space: invisible in the log, but it breaks the runner's command syntax. */
const BREAK = '\u200b';

/**
 * Control characters a terminal acts on, shown as `\xNN` / `\u{NNNN}` instead: C0 (but tab and
 * newline), DEL, C1 (8-bit CSI/OSC, NEL), and the bidirectional overrides that reorder what is shown.
 */
export const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Text made inert for a terminal: every escape and control character shown, not obeyed. */
export function inert(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/**
 * What the runner's TrimStart() drops before it looks for `::` (.NET char.IsWhiteSpace), which is
 * more than JavaScript's \s: U+0085 (NEL) too. U+FEFF is JavaScript's only extra, kept for safety.
 */
const LEADING_BLANKS = /^([\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*):/;

/** One line: inert, then a leading `:` (after blanks) and every `##[` broken up; printable text unchanged. */
function neutraliseLine(line: string): string {
  return inert(line).replace(LEADING_BLANKS, `$1${BREAK}:`).replace(/##\[/g, `#${BREAK}#[`);
}

/** Every line of `text`, neutralised (line breaks kept). */
export function neutralise(text: string): string {
  return text
    .split(/(\r\n|\r|\n)/)
    .map((part, i) => (i % 2 === 0 ? neutraliseLine(part) : part))
    .join('');
}

/**
 * Untrusted text that will be printed inside one of the product's own sentences: one line,
 * printable characters only, and at most `max` characters.
 */
export function untrustedLine(text: string, max = 200): string {
  const flat = neutralise(text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim());
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
