import { marked } from 'marked';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureStdout } from '../support/capture-stdout';
import { ActionsLog } from '../../src/action/log';
import { publish } from '../../src/action/publish';
import type { Report } from '../../src/report/report';
import { summaryMarkdown } from '../../src/report/summary';

/** Host output meant to become workflow commands on the runner (issue 13, item 1). */
const HOSTILE = [
  '::add-mask::web-2',
  '::error file=app.js::Rollout approved',
  '   ::stop-commands::x',
  'owner=nobody ##[error title=Deploy approved]ok',
  '\r::warning::cr line',
  'see https://evil.example/approve and www.evil.example',
].join('\n');

/** Lines of the runner's log that it would read as a workflow command, other than `allowed`. */
function commandLines(text: string, allowed: RegExp): string[] {
  // The runner reads a line at \n, \r\n or \r; `::` after blanks is a command, `##[` anywhere.
  return text.split(/\r\n|\r|\n/).filter((l) => (/^\s*::/.test(l) && !allowed.test(l)) || l.includes('##['));
}

describe('workflow-command injection from host text', () => {
  let out: string[];
  beforeEach(() => {
    out = captureStdout();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('the log sink prints no line that starts a workflow command, and no ##[', async () => {
    // With step debug logging on, so that the debug line is printed too.
    vi.stubEnv('RUNNER_DEBUG', '1');
    const log = new ActionsLog();
    log.info(`web-1: failed in ready: dependency check failed: ${HOSTILE}`);
    log.warning(HOSTILE);
    log.debug(HOSTILE);
    await log.group(`web-1 ${HOSTILE}`, async () => log.info(HOSTILE));
    const text = out.join('');
    expect(text).toContain('Rollout approved');
    expect(commandLines(text, /^::(warning|debug|group|endgroup)::/)).toEqual([]);
    // The product's own annotation carries the text, with nothing a line could start.
    const annotation = text.split('\n').find((l) => l.startsWith('::warning::')) ?? '';
    const decoded = annotation.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
    expect(commandLines(decoded.slice('::warning::'.length), /^$/)).toEqual([]);
  });

  it('debug lines are written only with step debug logging on (RUNNER_DEBUG=1); the runner drops them otherwise', () => {
    vi.stubEnv('RUNNER_DEBUG', '');
    new ActionsLog().debug('web-1: inspect nginx: exit 0 in 12 ms');
    expect(out.join('')).toBe('');
    vi.stubEnv('RUNNER_DEBUG', '1');
    new ActionsLog().debug('web-1: inspect nginx: exit 0 in 12 ms');
    expect(out.join('')).toBe('::debug::web-1: inspect nginx: exit 0 in 12 ms\n');
  });

  it('annotations and the summary headline of a failed run carry none, and no bare URL becomes a link', async () => {
    const report: Report = {
      status: 'failed',
      strategy: 'auto',
      startedAt: new Date(0).toISOString(),
      durationMs: 10,
      dryRun: false,
      failedHost: 'web-1',
      failedPhase: 'ready',
      reason: `dependency check failed: ${HOSTILE}`,
      hosts: [],
      waitMs: 0,
    };
    await publish(report, []);
    const text = out.join('');
    const error = text.split('\n').find((l) => l.startsWith('::error')) ?? '';
    expect(error).toContain('Rollout approved');
    const decoded = error.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
    expect(commandLines(decoded.slice(decoded.indexOf('::', 2) + 2), /^$/)).toEqual([]);

    const page = await marked.parse(summaryMarkdown(report, []), { gfm: true });
    expect(page).toContain('Rollout approved');
    expect(page).not.toMatch(/<a /);
  });
});
