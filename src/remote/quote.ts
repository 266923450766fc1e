/**
 * POSIX shell quoting: the one function through which every value reaches a remote command line.
 * Plain words stay readable in logs and dry runs; anything else is single-quoted, with embedded
 * single quotes closed, escaped and reopened. NUL cannot be passed through a shell at all.
 */
export function shQuote(value: string): string {
  if (value.includes('\0')) throw new Error('a NUL byte cannot be passed to a shell command');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value) && !value.startsWith('-')) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Replaces `{host}` / `{name}` style placeholders with shell-quoted values. Unknown ones stay. */
export function fillPlaceholders(template: string, values: Record<string, string>): string {
  return template.replace(/\{([a-z]+)\}/g, (whole, key: string) => {
    const value = Object.hasOwn(values, key) ? values[key] : undefined;
    return value === undefined ? whole : shQuote(value);
  });
}
