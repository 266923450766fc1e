/**
 * Text from hosts, users' commands and load balancers reaches the runner's log, where a line that
 * starts with `::` (after blanks) is a workflow command, and `##[` anywhere starts a legacy one:
 * `::add-mask::`, `::stop-commands::`, `##[error]`… Everything the product prints goes through
 * neutralise(), so no such line can be smuggled in. The product's own text never needs either.
 */

/** A zero-width space: invisible in the log, but it breaks the runner's command syntax. */
const BREAK = '\u200b';

/** One line: a leading `::` and every `##[` are broken up; the text is otherwise unchanged. */
function neutraliseLine(line: string): string {
  return line.replace(/^(\s*):/, `$1${BREAK}:`).replace(/##\[/g, `#${BREAK}#[`);
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
