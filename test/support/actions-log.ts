// Plain code, no vitest: scripts/sandbox.ts renders the action's log with it outside the tests.

/**
 * One line of the action's stdout as the Actions log shows it, or null for what the log hides:
 * workflow commands the runner consumes, and debug lines unless step debug logging is on.
 */
export function asActionsLog(line: string, debug: boolean): string | null {
  if (/^::(add-mask|save-state|set-output|stop-commands)/.test(line)) return null;
  if (line.startsWith('::debug::')) return debug ? `##[debug]${decodeCommand(line.slice('::debug::'.length))}` : null;
  if (line.startsWith('::group::')) return `▸ ${line.slice('::group::'.length)}`;
  if (line === '::endgroup::') return '';
  const annotation = /^::(error|warning|notice)[^:]*::(.*)$/.exec(line);
  if (annotation) return `${(annotation[1] as string).replace(/^./, (c) => c.toUpperCase())}: ${decodeCommand(annotation[2] as string)}`;
  return line;
}

function decodeCommand(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}
