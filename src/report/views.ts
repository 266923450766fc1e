import type { HostReport, PhaseName, PhaseRecord, Report } from './report';

/** Views of the report shared by the summary's parts (its table and its timeline). */

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export const PREFLIGHT: ReadonlySet<PhaseName> = new Set<PhaseName>(['connect', 'inspect', 'validate']);
export const shown = (host: HostReport): PhaseRecord[] => host.phases.filter((p) => p.status !== 'skipped');
export const rolloutPhases = (host: HostReport): PhaseRecord[] => shown(host).filter((p) => !PREFLIGHT.has(p.name));
export const failedPhase = (host: HostReport): PhaseRecord | undefined => host.phases.find((p) => p.status === 'failed');
export const start = (p: PhaseRecord): number => Date.parse(p.startedAt);
export const end = (p: PhaseRecord): number => start(p) + Math.max(0, p.durationMs);

/** Some batch held several hosts (batches other than 1): the summary shows which batch each host was in. */
export function batched(report: Report): boolean {
  const seen = new Set<number>();
  for (const h of report.hosts) {
    if (h.batch === undefined) continue;
    if (seen.has(h.batch)) return true;
    seen.add(h.batch);
  }
  return false;
}
