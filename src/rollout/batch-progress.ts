import type { PhaseName } from '../report/report';
import type { HostRun } from './host-run';

const DOING: Record<PhaseName, string> = {
  connect: 'connecting',
  inspect: 'inspecting',
  validate: 'validating',
  lock: 'locking',
  drain: 'draining',
  change: 'changing',
  ready: 'waiting for ready',
  return: 'returning',
  watch: 'watching',
  rollback: 'rolling back',
};

/** Where one host of a batch is: `web-4 draining 3 in flight`, `web-6 watching 12 s`, `web-5 done`. */
export function hostProgress(run: HostRun, now: number): string {
  if (run.status === 'success') return `${run.name} done`;
  if (run.status === 'failed') {
    const failed = run.phases.find((p) => p.status === 'failed');
    return `${run.name} failed${failed ? ` in ${failed.name}` : ''}`;
  }
  if (run.status === 'skipped') return `${run.name} ${run.outOfService ? 'skipped (not in service)' : 'stopped'}`;
  const current = run.current;
  if (!current) return `${run.name} waiting`;
  if (current.phase === 'drain') return `${run.name} draining ${run.inFlight ?? '?'} in flight`;
  return `${run.name} ${DOING[current.phase]} ${Math.round((now - current.since) / 1000)} s`;
}

/** The live line of a batch: `batch 2/6: web-4 draining 3 in flight, web-5 waiting for ready 2 s, web-6 watching 12 s`. */
export function batchProgress(batch: readonly HostRun[], index: number, total: number, now: number): string {
  return `batch ${index}/${total}: ${batch.map((run) => hostProgress(run, now)).join(', ')}`;
}
