import { marked } from 'marked';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureStdout } from '../support/capture-stdout';
import { ActionsLog, annotate, fail, print } from '../../src/action/log';
import { inert } from '../../src/cli/terminal';
import { neutralise, untrustedLine } from '../../src/report/neutralise';
import type { Report } from '../../src/report/report';
import { summaryMarkdown } from '../../src/report/summary';

/** What the runner's TrimStart() drops before it looks for `::` (.NET char.IsWhiteSpace). */
const DOTNET_BLANKS = /^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*/;

/** Lines the runner reads as a workflow command: `::` after .NET's blanks, or `##[` anywhere. */
const runnerCommands = (text: string): string[] =>
  text.split(/\r\n|\r|\n/).filter((l) => l.replace(DOTNET_BLANKS, '').startsWith('::') || l.includes('##['));

/** Host lines that JavaScript's \s misses but the runner trims (NEL), and other .NET blanks. */
const BLANK_LED = [
  '\u0085::add-mask::web-2',
  '\u0085::error title=Deploy approved::Rollout approved',
  '\u0085::stop-commands::tok',
  '\u0085 \u0085::warning::x',
  '\u00a0\u2028\u3000::add-mask::y',
  '\u000b\u000c::add-mask::z',
];

/** A title-setting OSC, a cursor-up CSI, an 8-bit CSI, NEL, and bidi controls. */
const TERMINAL = 'ok\x1b]0;pwned\x07 \x1b[1A \x9b31m \x85 \u202eevil\u2066x\u200fy';

/** Every character a terminal acts on, but tab and line breaks. */
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('neutralise(): every blank the runner trims, and no control character', () => {
  it.each(BLANK_LED)('a line led by .NET blanks starts no workflow command: %j', (line) => {
    expect(runnerCommands(neutralise(line))).toEqual([]);
    expect(runnerCommands(neutralise(`stderr:\n${line}\r\n${line}`))).toEqual([]);
    expect(runnerCommands(untrustedLine(line))).toEqual([]);
  });

  it('escape sequences, C1 (8-bit CSI, NEL) and bidi controls are shown, as the CLI shows them', () => {
    const expected = 'ok\\x1b]0;pwned\\x07 \\x1b[1A \\x9b31m \\x85 \\u{202e}evil\\u{2066}x\\u{200f}y';
    expect(neutralise(TERMINAL)).toBe(expected);
    expect(inert(TERMINAL)).toBe(expected);
    expect(neutralise(`${TERMINAL}\n${TERMINAL}`)).toBe(`${expected}\n${expected}`);
  });

  it('ordinary text, tabs and line breaks are kept as they were', () => {
    const text = 'web-1:\tok 850 ms\r\nnginx: [warn] "x" – ünïcode ✓\n  a: b ## c\rdone';
    expect(neutralise(text)).toBe(text);
    expect(untrustedLine('held by ci-42 since 12:00')).toBe('held by ci-42 since 12:00');
  });

  it('untrustedLine(): one line, C0 as spaces, C1 and bidi controls shown', () => {
    expect(untrustedLine(`lock\n${TERMINAL}`)).toBe('lock ok ]0;pwned   [1A \\x9b31m \\x85 \\u{202e}evil\\u{2066}x\\u{200f}y');
    expect(untrustedLine('\u0085::add-mask::x')).toBe('\\x85::add-mask::x');
    expect(untrustedLine(TERMINAL)).not.toMatch(CONTROL);
  });
});

describe("the Action's log: nothing a host sends starts a command or reaches the terminal as a control", () => {
  let out: string[];
  beforeEach(() => {
    out = captureStdout();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    process.exitCode = undefined;
  });

  it('print, annotate, fail and ActionsLog write no control character and no runner command from host text', async () => {
    vi.stubEnv('RUNNER_DEBUG', '1');
    const hostile = `${TERMINAL}\n${BLANK_LED.join('\n')}`;
    print(`web-1: failed in ready: ${hostile}`);
    annotate('error', hostile, `web-1 ${TERMINAL}`);
    fail(hostile);
    const log = new ActionsLog();
    log.info(hostile);
    log.warning(hostile);
    log.debug(hostile);
    await log.group(`web-1 ${TERMINAL}`, async () => log.info(hostile));
    const text = out.join('');
    expect(text).not.toMatch(CONTROL);
    expect(text).toContain('\\x1b]0;pwned\\x07');
    expect(runnerCommands(text).filter((l) => !/^::(error|warning|debug|group|endgroup)[ :]/.test(l))).toEqual([]);
    // Annotations carry the lines in their message, encoded: none may start a command once decoded.
    for (const l of text.split('\n').filter((x) => /^::(error|warning)/.test(x))) {
      const decoded = l.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
      expect(runnerCommands(decoded.slice(decoded.indexOf('::', 2) + 2))).toEqual([]);
    }
  });
});

describe('the step summary: no email, mailto:, xmpp: or mention from host text becomes a link', () => {
  const LINKY = 'mail admin@evil.example, mailto:x@evil.example, XMPP:a@evil.example/res or ask @octocat';
  const report: Report = {
    status: 'failed',
    strategy: 'auto',
    startedAt: new Date(0).toISOString(),
    durationMs: 10,
    dryRun: false,
    failedHost: 'ops@web-1',
    failedPhase: 'ready',
    reason: `dependency check failed: ${LINKY}`,
    waitMs: 0,
    hosts: [
      {
        host: '10.0.0.1',
        name: 'ops@web-1',
        status: 'failed',
        strategy: 'reload',
        strategyReason: LINKY,
        phases: [{ name: 'ready', status: 'failed', startedAt: new Date(0).toISOString(), durationMs: 5, waitMs: 0, detail: LINKY }],
        errors: null,
        warnings: [LINKY],
        lbState: 'drained',
        evidence: { logLines: [LINKY], journal: [LINKY] },
      },
    ],
  };

  it('the markdown holds no @ before a name or domain, and no mailto:/xmpp: before an address', () => {
    // Log lines stay verbatim in <pre> and host names in the Mermaid fence: GFM links nothing in
    // raw HTML or code (the rendered test below), so only the markdown text is looked at.
    const summary = summaryMarkdown(report, [])
      .replace(/<pre>[\s\S]*?<\/pre>/g, '')
      .replace(/^```[\s\S]*?^```$/gm, '');
    expect(summary).toContain('admin@\u200bevil.example');
    expect(summary).not.toMatch(/@[\w.-]/);
    expect(summary).not.toMatch(/(mailto|xmpp):[\w.-]/i);
  });

  it('rendered as GFM, it has no link', async () => {
    const page = await marked.parse(summaryMarkdown(report, []), { gfm: true });
    expect(page).toContain('evil.example');
    expect(page).not.toMatch(/<a |href=/);
  });
});
