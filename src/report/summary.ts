import type { HostReport, PhaseRecord, Report } from './report';

const esc = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').replace(/</g, '&lt;');
const html = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const secs = (ms: number): string => (ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`);
const pct = (r: number): string => `${(r * 100).toFixed(2).replace(/\.?0+$/, '')}%`;

const RESULT: Record<HostReport['status'], string> = {
  success: '✅ success',
  failed: '❌ failed',
  skipped: '⏭️ untouched',
  planned: '📝 planned',
};

function phases(host: HostReport): string {
  return host.phases
    .filter((p) => p.status !== 'skipped')
    .map((p) => `${p.status === 'failed' ? '**' : ''}${p.name}${p.status === 'failed' ? ' ✗**' : p.status === 'warning' ? ' ⚠' : ''} ${secs(p.durationMs)}`)
    .join(' · ');
}

function errorsCell(host: HostReport): string {
  const e = host.errors;
  if (!e) return '—';
  if (e.verdict === 'skipped') return 'not watched';
  return `${e.verdict}: ${e.errors}/${e.requests} (${pct(e.rate)})`;
}

/** Mermaid gantt of every phase of every host, on one time axis. */
function timeline(report: Report): string[] {
  const rows: string[] = [];
  for (const host of report.hosts) {
    const shown = host.phases.filter((p: PhaseRecord) => p.status !== 'skipped');
    if (shown.length === 0) continue;
    rows.push(`  section ${host.name.replace(/[:#;]/g, '_')}`);
    for (const p of shown) {
      const start = Date.parse(p.startedAt);
      const tag = p.status === 'failed' ? 'crit, ' : p.status === 'warning' ? 'active, ' : '';
      rows.push(`  ${p.name} :${tag}${start}, ${start + Math.max(1, p.durationMs)}`);
    }
  }
  if (rows.length === 0) return [];
  return ['### Timeline', '', '```mermaid', 'gantt', '  dateFormat x', '  axisFormat %H:%M:%S', ...rows, '```', ''];
}

function evidence(host: HostReport): string[] {
  if (host.status !== 'failed') return [];
  const failed = host.phases.find((p) => p.status === 'failed');
  const out = [`<details><summary>Evidence from ${html(host.name)}${failed ? ` (failed in ${failed.name})` : ''}</summary>`, ''];
  if (failed) out.push(`<p><b>${html(failed.name)}</b>: ${html(failed.detail)}</p>`, '');
  if (host.errors && host.errors.verdict !== 'skipped') {
    out.push(`<p>Watch window: ${host.errors.requests} requests, ${host.errors.errors} errors (${pct(host.errors.rate)}) from ${html(host.errors.source ?? '')}. ${html(host.errors.reason ?? '')}</p>`, '');
  }
  if (host.evidence?.logLines.length) out.push('<p>Error lines in the window:</p>', '', '<pre>', ...host.evidence.logLines.map(html), '</pre>', '');
  if (host.evidence?.journal.length) out.push('<p>Journal since the change:</p>', '', '<pre>', ...host.evidence.journal.map(html), '</pre>', '');
  if (host.warnings.length) out.push('<p>Warnings:</p>', '', '<ul>', ...host.warnings.map((w) => `<li>${html(w)}</li>`), '</ul>', '');
  out.push('</details>', '');
  return out;
}

/** The job summary: verdict, per-host table, timeline, and a failed host's evidence. */
export function summaryMarkdown(report: Report, plan: string[], invalid: string[] = []): string {
  const lines: string[] = ['## zero-downtime-restart', ''];
  if (report.status === 'invalid') {
    lines.push('**Invalid inputs — no host was touched.**', '', ...invalid.map((e) => `- ${esc(e)}`), '');
    return lines.join('\n');
  }
  const done = report.hosts.filter((h) => h.status === 'success').length;
  lines.push(
    report.status === 'success'
      ? `**${report.dryRun ? 'Dry run: preflight passed, nothing changed' : `All ${done} host${done === 1 ? '' : 's'} restarted`}** in ${secs(report.durationMs)}.`
      : `**Failed at ${esc(report.failedHost)} in phase ${esc(report.failedPhase)}**: ${esc(report.reason)}. ${done} host${done === 1 ? '' : 's'} done before it; the hosts after it were not touched.`,
    '',
    '| host | strategy | result | errors in watch window | load balancer | phases |',
    '| --- | --- | --- | --- | --- | --- |',
    ...report.hosts.map(
      (h) => `| ${esc(h.name)}${h.name !== h.host ? ` (${esc(h.host)})` : ''} | ${esc(h.strategy || '—')} | ${RESULT[h.status]} | ${esc(errorsCell(h))} | ${h.lbState === 'drained' ? '**drained**' : h.lbState} | ${esc(phases(h)) || '—'} |`,
    ),
    '',
  );
  const drained = report.hosts.filter((h) => h.lbState === 'drained');
  if (drained.length) lines.push(`> [!WARNING]\n> Left out of rotation: ${drained.map((h) => esc(h.name)).join(', ')} (unhealthy after the failure).`, '');
  lines.push(...timeline(report));
  for (const h of report.hosts) lines.push(...evidence(h));
  if (plan.length) lines.push('### Plan', '', '```', ...plan, '```', '');
  return lines.join('\n');
}
