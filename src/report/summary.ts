import type { HostReport, PhaseRecord, Report } from './report';
import { timeline } from './timeline';
import { batched, end, failedPhase, plural, PREFLIGHT, rolloutPhases, shown, start } from './views';

/**
 * The job summary (GITHUB_STEP_SUMMARY): the verdict, a table with a row per host, a Mermaid gantt
 * of the phases, and each failed host's evidence collapsed under <details>.
 *
 * Everything that came from a host or an input is escaped for where it lands: `md` for markdown
 * text (table cells, the headline, list items), `html` for the raw HTML blocks of the evidence, and
 * `label` for Mermaid (timeline.ts), which gets a plain character set. `scripts/render-summary.ts`
 * renders a summary in Chromium to look at it.
 */

/**
 * No link from host text: GFM links `scheme://…`, `www.…`, `a@b.example`, `mailto:`/`xmpp:` by
 * itself, and GitHub turns `@name` into a mention. A zero-width space breaks each, unseen.
 */
const unlinked = (text: string): string =>
  text
    .replace(/:\/\//g, ':\u200b//')
    .replace(/\b(www)\./gi, '$1\u200b.')
    .replace(/@/g, '@\u200b')
    .replace(/(mailto|xmpp):/gi, '$1:\u200b');

/**
 * Markdown text on one line: no raw HTML, no emphasis/links/code from the content, pipes kept in
 * their cell, and no bare URL, email or mention turned into a link (unlinked()).
 */
function md(text: string): string {
  const escaped = text
    .replace(/\r\n?|\n/g, ' ')
    .trim()
    .replace(/[\\`*_[\]|~#]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
  return unlinked(escaped);
}

/** A list item's text: also no nested list or heading from how the text begins. */
const listItem = (text: string): string =>
  `- ${md(text)
    .replace(/^([-+=])/, '\\$1')
    .replace(/^(\d+)([.)])/, '$1\\$2')}`;

/** Text for a raw HTML block: escaped, and on one line where a blank line would end the block. */
const html = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** Also no link from host text (unlinked()): a renderer that links URLs inside HTML gets none. */
const htmlLine = (text: string): string => unlinked(html(text.replace(/\r\n?|\n/g, ' ')));

/** Duration for people: 39 ms, 1.0 s, 42 s, 3 min 5 s, 1 h 2 min. */
function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}

const pct = (r: number): string => `${(r * 100).toFixed(2).replace(/\.?0+$/, '')}%`;

const RESULT: Record<HostReport['status'], string> = {
  success: '✅ success',
  failed: '❌ failed',
  skipped: '⏭️ untouched',
  planned: '📝 planned',
};

const LB: Record<HostReport['lbState'], string> = {
  'in-service': 'in service',
  drained: '**drained**',
  'not-in-service': 'not in service (as found)',
  none: '—',
  unknown: 'unknown',
};

/** One phase and its duration, kept on one line of the cell (wraps fall between phases). */
function phaseText(p: PhaseRecord): string {
  const text = `${p.name}${p.status === 'failed' ? ' ✗' : p.status === 'warning' ? ' ⚠' : ''} ${duration(p.durationMs)}`.replace(
    / /g,
    '&nbsp;',
  );
  return p.status === 'failed' ? `**${text}**` : text;
}

/** Phase durations, preflight on one line and the change on the next. */
function phasesCell(host: HostReport): string {
  const pre = shown(host).filter((p) => PREFLIGHT.has(p.name));
  const rest = rolloutPhases(host);
  const lines = [pre, rest].filter((l) => l.length).map((l) => l.map(phaseText).join(' · '));
  return lines.join('<br>') || '—';
}

/** The host's own change: from its first phase after preflight to the end of its last. */
function changeTime(host: HostReport): string {
  const rest = rolloutPhases(host);
  if (!rest.length) return '—';
  return duration(Math.max(...rest.map(end)) - Math.min(...rest.map(start))).replace(/ /g, '&nbsp;');
}

function resultCell(host: HostReport): string {
  const failed = failedPhase(host);
  return host.status === 'failed' && failed ? `${RESULT.failed} in ${failed.name}` : RESULT[host.status];
}

function errorsCell(host: HostReport): string {
  const e = host.errors;
  if (!e) return '—';
  if (e.verdict === 'skipped') return 'not watched';
  const counts = `${e.errors}/${e.requests} (${pct(e.rate)})`;
  return e.verdict === 'fail' ? `**fail**: ${counts}` : `${e.verdict}: ${counts}`;
}

function hostCell(host: HostReport): string {
  return host.name !== host.host ? `${md(host.name)} (${md(host.host)})` : md(host.name);
}

/** Lines for a <pre> block, capped so one pathological host cannot blow the summary's 1 MiB. */
function preLines(lines: string[], max = 100, width = 1000): string[] {
  const out = lines
    .slice(0, max)
    .flatMap((l) => l.split(/\r\n?|\n/))
    .map((l) => html(l.length > width ? `${l.slice(0, width - 1)}…` : l));
  if (lines.length > max) out.push(html(`… ${lines.length - max} more lines`));
  return out;
}

/** A failed host's evidence, collapsed: the failed phase, the watch window's counts, error lines, journal, warnings. */
function evidence(host: HostReport): string[] {
  if (host.status !== 'failed') return [];
  const failed = failedPhase(host);
  const logLines = host.evidence?.logLines ?? [];
  const journal = host.evidence?.journal ?? [];
  // The <summary> line's wording is matched by test/fleet/watch.test.ts.
  const out = [
    `<details><summary>Evidence from ${htmlLine(host.name)}${failed ? ` (failed in ${htmlLine(failed.name)})` : ''}</summary>`,
    '',
  ];
  if (failed) out.push(`<p><b>${htmlLine(failed.name)}</b>: ${htmlLine(failed.detail)}</p>`, '');
  const e = host.errors;
  if (e && e.verdict !== 'skipped') {
    const window = e.windowMs !== undefined ? ` in ${duration(e.windowMs)}` : '';
    const from = e.source ? ` from ${e.source}` : '';
    const baseline = e.baseline ? `; before the change: ${e.baseline.errors}/${e.baseline.requests} (${pct(e.baseline.rate)})` : '';
    const reason = e.reason && !(failed?.detail ?? '').includes(e.reason) ? ` ${e.reason}` : '';
    out.push(
      `<p>Watch window: ${e.requests} requests, ${e.errors} errors (${pct(e.rate)})${htmlLine(window + from)}${htmlLine(baseline)}, verdict ${htmlLine(e.verdict)}.${htmlLine(reason)}</p>`,
      '',
    );
  }
  if (host.strategyReason) out.push(`<p>Strategy: ${htmlLine(host.strategy)} (${htmlLine(host.strategyReason)})</p>`, '');
  if (logLines.length) out.push('<p>Error lines in the window:</p>', '', '<pre>', ...preLines(logLines), '</pre>', '');
  if (journal.length) out.push('<p>Journal since the change:</p>', '', '<pre>', ...preLines(journal), '</pre>', '');
  if (host.warnings.length) out.push('<p>Warnings:</p>', '', '<ul>', ...host.warnings.map((w) => `<li>${htmlLine(w)}</li>`), '</ul>', '');
  out.push('</details>', '');
  return out;
}

/** A successful run that skipped hosts an operator had taken out of service. */
function skippedAsFound(report: Report, done: number): string | null {
  const skipped = report.hosts.filter((h) => h.status === 'skipped').length;
  if (!skipped) return null;
  return `**${done} of ${plural(report.hosts.length, 'host')} restarted** in ${duration(report.durationMs)}; ${plural(skipped, 'host')} not in service before the run skipped and left as found.`;
}

/** A successful run with failed hosts that max-failed-hosts tolerated. */
function tolerated(report: Report, done: number): string | null {
  const failed = report.hosts.filter((h) => h.status === 'failed');
  if (!failed.length) return null;
  return `**${done} of ${plural(report.hosts.length, 'host')} restarted** in ${duration(report.durationMs)}; ${plural(failed.length, 'host')} failed, within max-failed-hosts: ${failed.map((h) => md(h.name)).join(', ')} (see below).`;
}

/** What a halted run did: hosts done before the failure, and those never touched. */
function haltedOutcome(report: Report, done: number): string {
  const untouched = report.hosts.filter((h) => h.status === 'skipped').length;
  if (!report.hosts.some((h) => rolloutPhases(h).length)) return 'No host was changed.';
  if (batched(report) && report.failedBatch)
    return `Batch ${report.failedBatch} of ${report.batches ?? '?'} failed; ${plural(done, 'host')} done${untouched ? `, ${plural(untouched, 'host')} not changed` : ''}; no later batch started.`;
  return `${plural(done, 'host')} done before it${untouched ? `; ${plural(untouched, 'host')} after it not touched` : ''}.`;
}

function headline(report: Report): string {
  const done = report.hosts.filter((h) => h.status === 'success').length;
  if (report.status === 'success') {
    return report.dryRun
      ? `**Dry run: preflight passed on ${plural(report.hosts.length, 'host')}, nothing changed** (${duration(report.durationMs)}).`
      : (tolerated(report, done) ??
          skippedAsFound(report, done) ??
          `**All ${plural(done, 'host')} restarted** in ${duration(report.durationMs)}.`);
  }
  const failedHosts = report.hosts.filter((h) => h.status === 'failed');
  const others = failedHosts.filter((h) => h.name !== report.failedHost).length;
  const outcome = haltedOutcome(report, done);
  const more = others ? ` ${plural(others, 'more host')} failed too (see below).` : '';
  return `**Failed at ${md(report.failedHost)} in phase ${md(report.failedPhase)}** after ${duration(report.durationMs)}: ${md(report.reason)}. ${outcome}${more}`;
}

/** The table, a row per host; with a batch column when hosts rolled several at once. */
function hostTable(report: Report): string[] {
  const b = batched(report);
  return [
    `| host |${b ? ' batch |' : ''} strategy | result | errors in watch window | load balancer | took | phases |`,
    `| --- |${b ? ' --- |' : ''} --- | --- | --- | --- | --- | --- |`,
    ...report.hosts.map(
      (h) =>
        `| ${hostCell(h)} |${b ? ` ${h.batch ?? '—'} |` : ''} ${md(h.strategy || '—')} | ${resultCell(h)} | ${errorsCell(h)} | ${LB[h.lbState] ?? md(String(h.lbState))} | ${changeTime(h)} | ${phasesCell(h)} |`,
    ),
  ];
}

/** The job summary: verdict, per-host table, timeline, and a failed host's evidence. */
export function summaryMarkdown(report: Report, plan: string[], invalid: string[] = []): string {
  const lines: string[] = ['## zero-downtime-restart', ''];
  if (report.status === 'invalid') {
    lines.push('**Invalid inputs — no host was touched.**', '', ...invalid.map(listItem), '');
    return lines.join('\n');
  }
  lines.push(headline(report), '', ...hostTable(report), '');
  const drained = report.hosts.filter((h) => h.lbState === 'drained');
  if (drained.length)
    lines.push(
      '> [!WARNING]',
      `> Left out of rotation: ${drained.map((h) => md(h.name)).join(', ')} (not put back after the failure; see the evidence below).`,
      '',
    );
  lines.push(...timeline(report));
  for (const h of report.hosts) lines.push(...evidence(h));
  if (plan.length) lines.push('### Plan', '', '<pre>', ...plan.map(html), '</pre>', '');
  return lines.join('\n');
}
