import type { HostReport, PhaseRecord, Report } from './report';
import { batched, end, plural, PREFLIGHT, rolloutPhases, shown, start } from './views';

/** Mermaid keywords a task name must not start with (the gantt lexer takes the first rule that matches). */
const GANTT_KEYWORDS =
  /^(gantt|dateformat|inclusiveenddates|topaxis|axisformat|tickinterval|includes|excludes|todaymarker|weekday|weekend|title|accdescription|acctitle|accdescr|section|click|call|href|\d{4}-\d\d-\d\d)/i;

/** A name Mermaid shows as it is: a plain character set, never a keyword, never empty. */
function label(name: string): string {
  const plain =
    name
      .replace(/[^A-Za-z0-9._@()[\]/ -]/g, '_')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 60) || '_';
  return GANTT_KEYWORDS.test(plain) ? `host ${plain}` : plain;
}

/** Up to this many hosts changed, the gantt shows each host's phases; above it, one bar per host. */
const TIMELINE_DETAILED_HOSTS = 10;

/** Tick labels that change from tick to tick over the span (d3 puts about ten ticks on the axis). */
function axisFormat(spanMs: number): string {
  if (spanMs < 10_000) return '%H:%M:%S.%L';
  if (spanMs < 4 * 3600_000) return '%H:%M:%S';
  return '%H:%M';
}

function task(name: string, status: PhaseRecord['status'], from: number, to: number): string {
  const tag = status === 'failed' ? 'crit, ' : status === 'warning' ? 'active, ' : '';
  return `  ${label(name)} :${tag}${from}, ${Math.max(to, from + 1)}`;
}

/**
 * Mermaid gantt on one clock. Preflight runs on all hosts at once, so it is one bar (a host that
 * failed it gets its own); then each changed host: a section with a bar per phase while there are
 * few, one bar per host beyond TIMELINE_DETAILED_HOSTS (the phases are in the table). When no host
 * got past preflight (a dry run, a failed preflight), the preflight is what is drawn per host.
 */
export function timeline(report: Report): string[] {
  const all = report.hosts.flatMap(shown);
  if (all.length === 0) return [];
  const first = Math.min(...all.map(start));
  const last = Math.max(...all.map(end));
  const rows: string[] = [];

  const changedAny = report.hosts.some((h) => rolloutPhases(h).length);
  const phasesOf = changedAny ? rolloutPhases : (h: HostReport): PhaseRecord[] => shown(h).filter((p) => PREFLIGHT.has(p.name));
  if (changedAny) {
    const preflight = report.hosts.filter((h) => shown(h).some((p) => PREFLIGHT.has(p.name)));
    const prePhases = preflight.flatMap((h) => shown(h).filter((p) => PREFLIGHT.has(p.name)));
    const warned = prePhases.some((p) => p.status === 'warning');
    rows.push(
      '  section preflight',
      task(plural(preflight.length, 'host'), warned ? 'warning' : 'ok', Math.min(...prePhases.map(start)), Math.max(...prePhases.map(end))),
    );
  }

  const drawn = report.hosts.filter((h) => phasesOf(h).length);
  const detailed = drawn.length <= TIMELINE_DETAILED_HOSTS;
  if (detailed) {
    for (const h of drawn) {
      rows.push(`  section ${label(h.name)}`);
      for (const p of phasesOf(h)) rows.push(task(p.name, p.status, start(p), end(p)));
    }
  } else {
    let section = '';
    for (const h of drawn) {
      // Hosts of a batch overlap in time: a section per batch shows them as parallel bars.
      const name = changedAny ? (batched(report) ? `batch ${h.batch ?? '?'}` : 'hosts') : 'preflight';
      if (name !== section) rows.push(`  section ${(section = name)}`);
      const phases = phasesOf(h);
      const status = phases.some((p) => p.status === 'failed') ? 'failed' : phases.some((p) => p.status === 'warning') ? 'warning' : 'ok';
      rows.push(task(h.name, status, Math.min(...phases.map(start)), Math.max(...phases.map(end))));
    }
  }

  const startedAt = new Date(first)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
  const bars = detailed
    ? ''
    : `One bar per host, ${changedAny ? 'from its lock to the end of its last phase' : 'for its preflight'} (each host's phases are in the table). `;
  return [
    '### Timeline',
    '',
    `${bars}Clock times in your time zone; the run started ${startedAt}.`,
    '',
    '```mermaid',
    'gantt',
    '  dateFormat x',
    `  axisFormat ${axisFormat(last - first)}`,
    '  todayMarker off',
    ...rows,
    '```',
    '',
  ];
}
