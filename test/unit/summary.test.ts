import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { marked } from 'marked';
import mermaid from 'mermaid';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureStdout } from '../support/capture-stdout';
import { ActionsLog } from '../../src/action/log';
import { fitSummary, publish } from '../../src/action/publish';
import type { HostReport, PhaseName, PhaseRecord, Report } from '../../src/report/report';
import { summaryMarkdown } from '../../src/report/summary';

// Synthetic reports, built by hand: a rollout of `n` hosts, one at a time, with preflight on all of
// them first, as src/rollout writes them.

const T0 = Date.parse('2026-11-25T12:00:00.000Z');

function phase(
  name: PhaseName,
  start: number,
  durationMs: number,
  status: PhaseRecord['status'] = 'ok',
  detail = `${name} ok`,
): PhaseRecord {
  return { name, status, startedAt: new Date(start).toISOString(), durationMs, waitMs: 0, detail };
}

function preflight(i: number): PhaseRecord[] {
  const at = T0 + (i % 8) * 30;
  return [phase('connect', at, 110), phase('inspect', at + 110, 100), phase('validate', at + 210, 40)];
}

function host(i: number, over: Partial<HostReport> = {}): HostReport {
  return {
    host: `10.0.${Math.floor(i / 250)}.${i % 250}`,
    name: `web-${i + 1}`,
    status: 'skipped',
    strategy: 'reload',
    strategyReason: 'auto: nginx.service can reload gracefully',
    phases: preflight(i),
    errors: null,
    warnings: [],
    lbState: 'in-service',
    ...over,
  };
}

const line = (prefix: string, length: number): string => `${prefix} ${'x'.repeat(Math.max(0, length - prefix.length - 1))}`;

interface FleetOptions {
  /** Index of the host whose watch fails; -1 for a run that passes. */
  failAt?: number;
  watchMs?: number;
}

/** A rollout: hosts before failAt succeed, failAt fails in watch with evidence, the rest are untouched. */
function fleet(n: number, { failAt = -1, watchMs = 30_000 }: FleetOptions = {}): Report {
  const hosts: HostReport[] = [];
  let t = T0 + 500;
  for (let i = 0; i < n; i++) {
    const h = host(i);
    if (failAt >= 0 && i > failAt) {
      hosts.push(h);
      continue;
    }
    const failing = i === failAt;
    const watch = failing ? 1_500 : watchMs;
    h.phases.push(
      phase('lock', t, 12),
      phase('drain', t + 12, 2_100),
      phase('change', t + 2_112, 380),
      phase('ready', t + 2_492, 560),
      phase('return', t + 3_052, 450),
      phase(
        'watch',
        t + 3_502,
        watch,
        failing ? 'failed' : 'ok',
        failing ? 'error check tripped: 124/171 errors = 72.51%, over max-error-rate 1%' : 'pass',
      ),
    );
    t += 3_502 + watch + 20;
    if (failing) {
      h.phases.push(phase('rollback', t, 900));
      h.status = 'failed';
      h.lbState = 'drained';
      h.errors = {
        requests: 171,
        errors: 124,
        rate: 124 / 171,
        verdict: 'fail',
        source: 'access log /var/log/nginx/access.log',
        windowMs: 1_500,
        reason: '124/171 errors = 72.51%, over max-error-rate 1%',
      };
      h.evidence = {
        logLines: Array.from({ length: 10 }, (_, k) =>
          line(`10.0.0.1 - - [25/Nov/2026:12:30:0${k} +0000] "GET /error-${k} HTTP/1.1" 500`, 300),
        ),
        journal: Array.from({ length: 30 }, (_, k) => line(`2026-11-25T12:30:02+0000 ${h.name} nginx[${100 + k}]: journal-${k}`, 300)),
      };
      h.warnings.push('left drained in haproxy backend web: it is not healthy after the failure');
    } else {
      h.status = 'success';
      h.errors = { requests: 500, errors: 0, rate: 0, verdict: 'pass', source: 'access log /var/log/nginx/access.log', windowMs: watchMs };
    }
    hosts.push(h);
  }
  const ends = hosts.flatMap((h) => h.phases.map((p) => Date.parse(p.startedAt) + p.durationMs));
  const failed = failAt >= 0 ? hosts[failAt] : undefined;
  return {
    status: failed ? 'failed' : 'success',
    strategy: 'auto',
    startedAt: new Date(T0).toISOString(),
    durationMs: Math.max(...ends) - T0,
    dryRun: false,
    failedHost: failed?.name ?? '',
    failedPhase: failed ? 'watch' : '',
    reason: failed ? 'error check tripped: 124/171 errors = 72.51%, over max-error-rate 1%' : '',
    hosts,
    waitMs: 0,
  };
}

/** A run whose preflight failed on `failed` of `n` hosts (inspect), so no host was changed. */
function preflightFailure(n: number, failed: number): Report {
  const hosts = Array.from({ length: n }, (_, i) => {
    const h = host(i);
    if (i < failed) {
      h.status = 'failed';
      h.phases = [
        h.phases[0] as PhaseRecord,
        { ...(h.phases[1] as PhaseRecord), status: 'failed', detail: `unit nginx.service is not-found on web-${i + 1}` },
      ];
    }
    return h;
  });
  return {
    status: 'failed',
    strategy: 'auto',
    startedAt: new Date(T0).toISOString(),
    durationMs: 400,
    dryRun: false,
    failedHost: 'web-1',
    failedPhase: 'inspect',
    reason: 'unit nginx.service is not-found on web-1',
    hosts,
    waitMs: 0,
  };
}

/** The fleet rollout that failed at web-2 in watch (a real report, abridged): three hosts behind HAProxy. */
function fleetRun(): Report {
  const p = (name: PhaseName, at: string, ms: number, status: PhaseRecord['status'] = 'ok', detail = `${name} ok`): PhaseRecord => ({
    name,
    status,
    startedAt: `2026-11-25T${at}Z`,
    durationMs: ms,
    waitMs: 0,
    detail,
  });
  const tripped =
    'error check tripped: 124/171 errors = 72.51%, over max-error-rate 1%; the window ended early, after 1 s (access log /var/log/nginx/access.log)';
  const base = {
    strategy: 'reload',
    strategyReason: 'auto: nginx.service can reload gracefully',
    warnings: [] as string[],
    lbState: 'in-service' as const,
  };
  return {
    status: 'failed',
    strategy: 'auto',
    startedAt: '2026-11-25T12:29:52.966Z',
    durationMs: 11_254,
    dryRun: false,
    failedHost: 'web-2',
    failedPhase: 'watch',
    reason: tripped,
    waitMs: 10_419,
    hosts: [
      {
        ...base,
        host: '10.77.0.11',
        name: 'web-1',
        status: 'success',
        phases: [
          p('connect', '12:29:52.968', 113),
          p('inspect', '12:29:53.081', 103),
          p('validate', '12:29:53.184', 39),
          p('lock', '12:29:53.328', 13),
          p('change', '12:29:53.341', 367),
          p('ready', '12:29:53.708', 559),
          p('watch', '12:29:54.267', 8_020),
        ],
        errors: {
          requests: 545,
          errors: 0,
          rate: 0,
          verdict: 'pass',
          reason: '0/545 errors = 0%, within max-error-rate 1%',
          source: 'access log /var/log/nginx/access.log',
          windowMs: 8_019,
          baseline: { requests: 0, errors: 0, rate: 0 },
        },
      },
      {
        ...base,
        host: '10.77.0.12',
        name: 'web-2',
        status: 'failed',
        lbState: 'drained',
        phases: [
          p('connect', '12:29:52.974', 116),
          p('inspect', '12:29:53.090', 89),
          p('validate', '12:29:53.179', 29),
          p('lock', '12:30:02.302', 11),
          p('change', '12:30:02.313', 320),
          p('ready', '12:30:02.633', 534),
          p('watch', '12:30:03.167', 1_018, 'failed', tripped),
        ],
        errors: {
          requests: 171,
          errors: 124,
          rate: 124 / 171,
          verdict: 'fail',
          reason: '124/171 errors = 72.51%, over max-error-rate 1%; the window ended early, after 1 s',
          source: 'access log /var/log/nginx/access.log',
          windowMs: 1_017,
          baseline: { requests: 0, errors: 0, rate: 0 },
        },
        warnings: ['left drained in haproxy backend web via root@127.0.0.1: it is not healthy after the failure, so it was not put back'],
        evidence: {
          logLines: Array.from({ length: 10 }, () => '10.77.0.1 - - [25/Nov/2026:12:30:02 +0000] "GET / HTTP/1.1" 500 177 "-" "-"'),
          journal: [
            '2026-11-25T12:30:02+0000 web-2 systemd[1]: Reloading nginx.service - A high performance web server and a reverse proxy server...',
            '2026-11-25T12:30:02+0000 web-2 systemd[1]: Reloaded nginx.service - A high performance web server and a reverse proxy server.',
          ],
        },
      },
      {
        ...base,
        host: '10.77.0.13',
        name: 'web-3',
        status: 'skipped',
        phases: [p('connect', '12:29:52.975', 115), p('inspect', '12:29:53.090', 104), p('validate', '12:29:53.194', 35)],
        errors: null,
      },
    ],
  };
}

const mermaidBlocks = (summary: string): string[] => [...summary.matchAll(/^```mermaid\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
const tableRows = (summary: string): string[] =>
  summary.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| host ') && !l.startsWith('| ---'));
const detailsBlocks = (summary: string): string[] => [...summary.matchAll(/<details>[\s\S]*?<\/details>/g)].map((m) => m[0]);
/** Cells of a GFM table row: split on pipes that are not escaped. */
const cells = (row: string): string[] =>
  row
    .replace(/\\\\/g, '')
    .split(/(?<!\\)\|/)
    .slice(1, -1);
const decode = (s: string): string =>
  s
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

describe('summaryMarkdown', () => {
  it('shows the fleet rollout that failed at web-2: headline, table, warning, timeline, evidence', () => {
    const summary = summaryMarkdown(fleetRun(), []);
    expect(summary).toContain(
      '**Failed at web-2 in phase watch** after 11 s: error check tripped: 124/171 errors = 72.51%, over max-error-rate 1%; the window ended early, after 1 s (access log /var/log/nginx/access.log). 1 host done before it; 1 host after it not touched.',
    );
    expect(tableRows(summary)).toEqual([
      '| web-1 (10.77.0.11) | reload | ✅ success | pass: 0/545 (0%) | in service | 9.0&nbsp;s | connect&nbsp;113&nbsp;ms · inspect&nbsp;103&nbsp;ms · validate&nbsp;39&nbsp;ms<br>lock&nbsp;13&nbsp;ms · change&nbsp;367&nbsp;ms · ready&nbsp;559&nbsp;ms · watch&nbsp;8.0&nbsp;s |',
      '| web-2 (10.77.0.12) | reload | ❌ failed in watch | **fail**: 124/171 (72.51%) | **drained** | 1.9&nbsp;s | connect&nbsp;116&nbsp;ms · inspect&nbsp;89&nbsp;ms · validate&nbsp;29&nbsp;ms<br>lock&nbsp;11&nbsp;ms · change&nbsp;320&nbsp;ms · ready&nbsp;534&nbsp;ms · **watch&nbsp;✗&nbsp;1.0&nbsp;s** |',
      '| web-3 (10.77.0.13) | reload | ⏭️ untouched | — | in service | — | connect&nbsp;115&nbsp;ms · inspect&nbsp;104&nbsp;ms · validate&nbsp;35&nbsp;ms |',
    ]);
    expect(summary).toContain('> [!WARNING]\n> Left out of rotation: web-2 (not put back after the failure; see the evidence below).');
    expect(summary).toContain('Clock times in your time zone; the run started 2026-11-25 12:29:52 UTC.');
    // What test/fleet/watch.test.ts checks of the real thing.
    expect(summary).toMatch(/\| web-1 \(10\.77\.0\.11\) \| reload \| ✅ success \| pass: 0\/\d+ \(0%\) \|/);
    expect(summary).toMatch(/<details><summary>Evidence from web-2 \(failed in watch\)<\/summary>/);
    expect(summary).toMatch(/"GET \/ HTTP\/1\.1" 500/);
    expect(summary).toContain('Journal since the change:');
    expect(summary).toContain('| host | strategy | result |');
  });

  it('(a) stays far under GitHub’s 1 MiB for a 100-host rollout with a failed host’s evidence', () => {
    const report = fleet(100, { failAt: 99 });
    const summary = summaryMarkdown(report, []);
    const bytes = Buffer.byteLength(summary);
    console.log(
      `summary for 100 hosts (99 done, 1 failed with 10×300-char log lines and 30×300-char journal lines): ${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB)`,
    );
    expect(bytes).toBeLessThan(200 * 1024);
    for (const l of report.hosts[99]?.evidence?.logLines ?? []) expect(summary).toContain(l);
  });

  it('(b) has a table row for every host and evidence, under <details>, only for failed hosts', () => {
    const report = fleet(100, { failAt: 60 });
    const summary = summaryMarkdown(report, []);
    const rows = tableRows(summary);
    expect(rows).toHaveLength(100);
    report.hosts.forEach((h, i) => {
      expect(rows[i]).toMatch(new RegExp(`^\\| ${h.name} \\(${h.host.replace(/\./g, '\\.')}\\) \\| reload \\| `));
      expect(cells(rows[i] as string)).toHaveLength(7);
    });
    expect(rows[60]).toContain('❌ failed in watch');
    expect(rows[61]).toContain('untouched');

    const details = detailsBlocks(summary);
    expect(details).toHaveLength(1);
    const evidence = details[0] as string;
    expect(evidence).toMatch(/^<details><summary>Evidence from web-61 \(failed in watch\)<\/summary>/);
    for (const l of [...(report.hosts[60]?.evidence?.logLines ?? []), ...(report.hosts[60]?.evidence?.journal ?? [])])
      expect(evidence).toContain(l);
    // Nothing of the evidence outside the <details>.
    expect(summary.replace(evidence, '')).not.toContain('journal-0');
    expect(summary.replace(evidence, '')).not.toContain('/error-0');
    // Collapsed: GitHub opens <details> only with the open attribute.
    expect(evidence).not.toMatch(/<details\s+open/);

    // Fifteen hosts failing preflight: fifteen evidence blocks, none for the hosts that passed.
    const pf = summaryMarkdown(preflightFailure(40, 15), []);
    expect(tableRows(pf)).toHaveLength(40);
    const blocks = detailsBlocks(pf);
    expect(blocks).toHaveLength(15);
    blocks.forEach((b, i) => expect(b).toContain(`<summary>Evidence from web-${i + 1} (failed in inspect)</summary>`));
    expect(pf).toContain('No host was changed.');

    // A clean run: no evidence at all.
    expect(detailsBlocks(summaryMarkdown(fleet(5), []))).toHaveLength(0);
  });

  it('(c) escapes HTML and pipes from host names, reasons and log lines', async () => {
    const report = fleet(3, { failAt: 1 });
    const bad = report.hosts[1] as HostReport;
    bad.name = 'web|2<script>alert(1)</script>';
    bad.host = '10.0.0.2 | <img src=x onerror=alert(2)>';
    bad.strategy = 'reload|<b>bold</b>';
    report.failedHost = bad.name;
    report.reason = 'tripped | <script>alert(3)</script> & `code` *stars* [link](x)';
    const watch = bad.phases.find((p) => p.status === 'failed') as PhaseRecord;
    watch.detail = 'detail </p><script>alert(4)</script> | pipe\n\nblank line';
    bad.evidence = {
      logLines: ['GET /?q=<script>alert(5)</script>|x HTTP/1.1 500', '</pre><script>alert(6)</script>'],
      journal: ['a & b <c> "d"'],
    };
    bad.warnings = ['<script>alert(7)</script>'];
    const summary = summaryMarkdown(report, ['plan <script>alert(8)</script>', '``` fence']);

    expect(summary).not.toMatch(/<script/i);
    expect(summary).not.toMatch(/<img/i);
    expect(summary).not.toMatch(/<b>bold/);
    // The failed host's row still has seven cells: its pipes are escaped.
    const row = tableRows(summary)[1] as string;
    expect(cells(row)).toHaveLength(7);
    expect(row).toContain('web\\|2&lt;script&gt;');
    // One <pre> per evidence list and the plan, closed where they should be.
    expect(summary.match(/<\/pre>/g)).toHaveLength(3);

    // What a GFM renderer makes of it: no script element, the text shown as text.
    const page = await marked.parse(summary, { gfm: true });
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img/i);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('&lt;/pre&gt;&lt;script&gt;alert(6)&lt;/script&gt;');
    const table = /<table>[\s\S]*<\/table>/.exec(page)?.[0] ?? '';
    for (const tr of table.match(/<tr>[\s\S]*?<\/tr>/g) ?? []) expect(tr.match(/<t[dh]/g)).toHaveLength(7);
    expect(decode(table)).toContain('web|2<script>alert(1)</script>');
    // The reason's markdown is not interpreted.
    const headline = page.split('\n').find((l) => l.includes('Failed at')) ?? '';
    expect(headline).not.toMatch(/<code>|<em>|<a /);
    expect(decode(headline)).toContain('tripped | <script>alert(3)</script> & `code` *stars* [link](x)');
    // The plan is text, whatever it holds.
    expect(decode(page)).toContain('plan <script>alert(8)</script>\n``` fence');
  });

  it('(d) lists every error of invalid inputs', async () => {
    const errors = [
      'hosts: is empty',
      'strategy: "bogus" is not one of auto, reload, restart',
      'check-window: <5m> | is not a duration',
      '1. looks like a list',
      '# looks like a heading',
      '- looks like a bullet',
    ];
    const report: Report = {
      status: 'invalid',
      strategy: '',
      startedAt: new Date(T0).toISOString(),
      durationMs: 0,
      dryRun: false,
      failedHost: '',
      failedPhase: '',
      reason: 'invalid inputs',
      hosts: [],
      waitMs: 0,
    };
    const summary = summaryMarkdown(report, [], errors);
    expect(summary).toContain('Invalid inputs — no host was touched.');
    expect(summary.split('\n').filter((l) => l.startsWith('- '))).toHaveLength(errors.length);
    const page = await marked.parse(summary, { gfm: true });
    const items = [...page.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) => decode(m[1] as string));
    expect(items).toEqual(errors);
    expect(page).not.toMatch(/<h1|<ol|<ul>\s*<li>\s*<ul/);
  });

  describe('(e) the timeline is a gantt Mermaid accepts', () => {
    /** What Mermaid makes of the block: its tasks with their times, as the renderer would draw them. */
    async function gantt(source: string): Promise<{ section: string; task: string; start: number; end: number; crit: boolean }[]> {
      expect(await mermaid.parse(source)).toMatchObject({ diagramType: 'gantt' });
      const diagram = await mermaid.mermaidAPI.getDiagramFromText(source);
      const db = diagram.db as unknown as {
        getTasks(): { section: string; task: string; startTime: Date; endTime: Date; crit?: boolean }[];
      };
      return db
        .getTasks()
        .map((t) => ({ section: t.section, task: t.task.trim(), start: t.startTime.getTime(), end: t.endTime.getTime(), crit: !!t.crit }));
    }

    it('draws the preflight as one bar and each phase of a few hosts on the clock, the failed one crit', async () => {
      const report = fleet(3, { failAt: 1 });
      const [block, ...more] = mermaidBlocks(summaryMarkdown(report, []));
      expect(more).toHaveLength(0);
      expect(block).toMatch(/^gantt\n {2}dateFormat x\n {2}axisFormat %H:%M:%S\n {2}todayMarker off\n/);
      const tasks = await gantt(block as string);
      expect(tasks[0]).toMatchObject({ section: 'preflight', task: '3 hosts', start: T0, end: T0 + 2 * 30 + 250 });
      const expected = report.hosts.flatMap((h) =>
        h.phases
          .filter((p) => !['connect', 'inspect', 'validate'].includes(p.name))
          .map((p) => ({
            section: h.name,
            task: p.name,
            start: Date.parse(p.startedAt),
            end: Date.parse(p.startedAt) + p.durationMs,
            crit: p.status === 'failed',
          })),
      );
      expect(tasks.slice(1)).toEqual(expected);
      expect(tasks.filter((t) => t.crit)).toEqual([expect.objectContaining({ section: 'web-2', task: 'watch' })]);
    });

    it('draws the fleet rollout: preflight of 3 hosts, then web-1 and web-2 phase by phase, web-2’s watch crit', async () => {
      const [block] = mermaidBlocks(summaryMarkdown(fleetRun(), []));
      const tasks = await gantt(block as string);
      const at = (t: string): number => Date.parse(`2026-11-25T${t}Z`);
      expect(tasks).toEqual([
        { section: 'preflight', task: '3 hosts', start: at('12:29:52.968'), end: at('12:29:53.229'), crit: false },
        { section: 'web-1', task: 'lock', start: at('12:29:53.328'), end: at('12:29:53.341'), crit: false },
        { section: 'web-1', task: 'change', start: at('12:29:53.341'), end: at('12:29:53.708'), crit: false },
        { section: 'web-1', task: 'ready', start: at('12:29:53.708'), end: at('12:29:54.267'), crit: false },
        { section: 'web-1', task: 'watch', start: at('12:29:54.267'), end: at('12:30:02.287'), crit: false },
        { section: 'web-2', task: 'lock', start: at('12:30:02.302'), end: at('12:30:02.313'), crit: false },
        { section: 'web-2', task: 'change', start: at('12:30:02.313'), end: at('12:30:02.633'), crit: false },
        { section: 'web-2', task: 'ready', start: at('12:30:02.633'), end: at('12:30:03.167'), crit: false },
        { section: 'web-2', task: 'watch', start: at('12:30:03.167'), end: at('12:30:04.185'), crit: true },
      ]);
    });

    it('draws one bar per host for 100 hosts, well under Mermaid’s 50 000-character limit', async () => {
      const report = fleet(100, { failAt: 99 });
      const [block] = mermaidBlocks(summaryMarkdown(report, []));
      expect((block as string).length).toBeLessThan(50_000);
      const tasks = await gantt(block as string);
      expect(tasks).toHaveLength(1 + 100);
      expect(tasks.slice(1).map((t) => t.task)).toEqual(report.hosts.map((h) => h.name));
      expect(tasks.filter((t) => t.crit).map((t) => t.task)).toEqual(['web-100']);
      const first = report.hosts[0] as HostReport;
      expect(tasks[1]).toMatchObject({ start: Date.parse((first.phases[3] as PhaseRecord).startedAt) });
    });

    it('picks tick labels for seconds, minutes and hours', () => {
      const axis = (r: Report): string | undefined => /axisFormat (.*)/.exec(mermaidBlocks(summaryMarkdown(r, []))[0] ?? '')?.[1];
      expect(axis(preflightFailure(3, 1))).toBe('%H:%M:%S.%L');
      expect(axis(fleet(3, { watchMs: 60_000 }))).toBe('%H:%M:%S');
      expect(axis(fleet(100, { watchMs: 300_000 }))).toBe('%H:%M');
    });

    it('draws a failed preflight per host, and survives names Mermaid would read as syntax', async () => {
      const report = preflightFailure(6, 2);
      const names = ['gantt', 'title web', 'a:b#c;d%%e', '2024-01-01', '<script>x</script>', 'section 9'];
      report.hosts.forEach((h, i) => (h.name = names[i] as string));
      const [block] = mermaidBlocks(summaryMarkdown(report, []));
      expect(block).not.toMatch(/<script/);
      const tasks = await gantt(block as string);
      expect(new Set(tasks.map((t) => t.section)).size).toBe(6);
      expect(tasks.filter((t) => t.crit)).toHaveLength(2);
      expect(tasks).toHaveLength(6 * 3 - 2);

      // Past TIMELINE_DETAILED_HOSTS the host names become task names, where the lexer is pickier.
      const many = preflightFailure(12, 2);
      many.hosts.forEach((h, i) => (h.name = names[i % names.length] + (i >= names.length ? ' b' : '')));
      const [condensed] = mermaidBlocks(summaryMarkdown(many, []));
      const bars = await gantt(condensed as string);
      expect(bars).toHaveLength(12);
      expect(bars.filter((t) => t.crit)).toHaveLength(2);
      expect(bars.map((t) => t.task)).toContain('host gantt');
      expect(bars.map((t) => t.task)).toContain('a_b_c_d__e');
    });
  });

  it('keeps the table, headline and plan of a dry run', () => {
    const report = fleet(4);
    for (const h of report.hosts) {
      h.phases = h.phases.slice(0, 3);
      h.status = 'planned';
      h.errors = null;
    }
    Object.assign(report, { dryRun: true, durationMs: 300 });
    const summary = summaryMarkdown(report, ['web-1: reload nginx.service']);
    expect(summary).toContain('**Dry run: preflight passed on 4 hosts, nothing changed** (300 ms).');
    expect(tableRows(summary).every((r) => r.includes('📝 planned'))).toBe(true);
    expect(summary).toContain('### Plan\n\n<pre>\nweb-1: reload nginx.service\n</pre>');
  });
});

describe('fitSummary', () => {
  it('leaves a summary under the limit alone and cuts one over it at a block, with a note', () => {
    const small = summaryMarkdown(fleet(3, { failAt: 1 }), []);
    expect(fitSummary(small)).toBe(small);
    const cut = fitSummary(small, 2_000);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(2_000);
    expect(cut).toContain('The summary was cut');
  });
});

describe('annotations', () => {
  let out: string[];
  let summaryDir: string;
  const saved = { output: process.env.GITHUB_OUTPUT, summary: process.env.GITHUB_STEP_SUMMARY };

  beforeEach(() => {
    out = captureStdout();
    summaryDir = mkdtempSync(join(tmpdir(), 'summary-test-'));
    delete process.env.GITHUB_OUTPUT;
    delete process.env.GITHUB_STEP_SUMMARY;
  });

  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(summaryDir, { recursive: true, force: true });
    for (const [name, value] of [
      ['GITHUB_OUTPUT', saved.output],
      ['GITHUB_STEP_SUMMARY', saved.summary],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  const commands = (kind: string): string[] =>
    out
      .join('')
      .split(/\r?\n/)
      .filter((l) => l.startsWith(`::${kind}`));

  it('(f) publish: at most 10 error annotations for 15 failed hosts, 9 named and 1 rolled up', async () => {
    const file = join(summaryDir, 'summary.md');
    writeFileSync(file, '');
    process.env.GITHUB_STEP_SUMMARY = file;
    const report = preflightFailure(40, 15);
    for (const h of report.hosts.slice(0, 3)) h.lbState = 'drained';
    await publish(report, []);

    const errors = commands('error');
    expect(errors).toHaveLength(10);
    errors
      .slice(0, 9)
      .forEach((e, i) =>
        expect(e).toMatch(
          new RegExp(`^::error title=zero-downtime-restart%3A web-${i + 1} \\(inspect\\)::web-${i + 1} failed in phase inspect: `),
        ),
      );
    expect(errors[9]).toMatch(/::6 more hosts failed: web-10, web-11, web-12, web-13, web-14, web-15; see the job summary\.$/);
    // Three drained hosts: one warning.
    expect(commands('warning')).toEqual([expect.stringMatching(/::web-1, web-2, web-3 are left drained in the load balancer/)]);
    expect(readFileSync(file, 'utf8')).toBe(`${summaryMarkdown(report, [])}\n`);
  });

  it('publish: a failure with no failed host (the load balancer) is one error annotation', async () => {
    const report = fleet(3);
    Object.assign(report, {
      status: 'failed',
      failedHost: 'load balancer (root@lb)',
      failedPhase: 'connect',
      reason: 'load balancer: refused',
    });
    await publish(report, []);
    expect(commands('error')).toEqual([
      expect.stringContaining('::load balancer (root@lb) failed in phase connect: load balancer: refused'),
    ]);
  });

  it('publish: without GITHUB_STEP_SUMMARY it writes no summary and still annotates', async () => {
    await publish(fleet(3, { failAt: 0 }), []);
    expect(commands('error')).toHaveLength(1);
  });

  it('ActionsLog: 8 warning annotations, the rest in the log, one roll-up, and a slot left for publish()', () => {
    const log = new ActionsLog();
    for (let i = 1; i <= 15; i++) log.warning(`warning ${i}`);
    log.flush();
    const warnings = commands('warning');
    expect(warnings).toHaveLength(9);
    expect(warnings.slice(0, 8)).toEqual(Array.from({ length: 8 }, (_, i) => `::warning::warning ${i + 1}`));
    expect(warnings[8]).toBe('::warning::7 more warnings in the log (GitHub shows 10 annotations of a kind per step).');
    expect(out.join('')).toContain('Warning: warning 15');
  });

  it('ActionsLog: no roll-up at or under the cap', () => {
    const log = new ActionsLog();
    for (let i = 1; i <= 8; i++) log.warning(`warning ${i}`);
    log.flush();
    expect(commands('warning')).toHaveLength(8);
  });
});
