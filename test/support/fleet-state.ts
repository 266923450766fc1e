import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { haproxy, hostExec, readFleet, serverStates } from '../fleet/fleet';
import type { ActionRun } from './run-action';

/** What a host is running, to tell afterwards whether a rollout changed it. */
export interface HostPicture {
  nginxWorkers: string;
  appPid: string;
  sockPid: string;
}

export function pictures(): Record<string, HostPicture> {
  const out: Record<string, HostPicture> = {};
  for (const h of readFleet().hosts) {
    const r = hostExec(
      h.name,
      'm=$(systemctl show -p MainPID --value nginx); echo "$(ps --ppid $m -o pid= | sort -n | tr -d " " | tr "\\n" ,)"; systemctl show -p MainPID --value app; systemctl show -p MainPID --value app-sock',
    );
    const [nginxWorkers = '', appPid = '', sockPid = ''] = r.stdout.trim().split('\n');
    out[h.name] = { nginxWorkers, appPid, sockPid };
  }
  return out;
}

/** Hosts whose nginx workers or app processes differ between two pictures. */
export function changedHosts(before: Record<string, HostPicture>, after: Record<string, HostPicture>): string[] {
  return Object.keys(before).filter((name) => JSON.stringify(before[name]) !== JSON.stringify(after[name]));
}

/**
 * HAProxy's view of every host: its health (UP, DOWN…) and, when an admin drained it, `drained`.
 * `show stat` says DRAIN only for a drained server that is UP, so the admin state comes from
 * `show servers state` (srv_admin_state bit 0x08, drained from the CLI).
 */
export function lbStates(backend = 'web'): Record<string, string> {
  const states = serverStates(backend);
  const admin = new Map(
    haproxy(`show servers state ${backend}`)
      .split('\n')
      .filter((l) => /^\d/.test(l))
      .map((l) => l.split(' '))
      .map((f) => [f[3] as string, Number(f[6])]),
  );
  return Object.fromEntries(
    readFleet().hosts.map((h) => {
      const health = (states[h.name]?.status ?? '?').replace(/^DRAIN$/, 'UP');
      return [h.name, (admin.get(h.name) ?? 0) & 0x08 ? `${health} (drained)` : health];
    }),
  );
}

const LOCK_DIR = '/run/zero-downtime-restart';

/**
 * The rollout locks of `owner` left on the fleet, as `where: file`: each host's, and the load
 * balancer's (its SSH host is this machine). After a killed run and its post step, none may be
 * left: a forgotten lock blocks every later run for its whole TTL.
 */
export function locksLeft(owner: string): string[] {
  const ours = (text: string): boolean => text.split('\n')[0] === `owner=${owner}`;
  const local = existsSync(LOCK_DIR) ? readdirSync(LOCK_DIR).filter((f) => f.endsWith('.lock')) : [];
  const left = local.filter((f) => ours(readFileSync(join(LOCK_DIR, f), 'utf8'))).map((f) => `lb host: ${f}`);
  for (const h of readFleet().hosts) {
    const r = hostExec(h.name, `for f in ${LOCK_DIR}/*.lock; do [ -f "$f" ] && { echo "=== \${f##*/}"; head -n 1 "$f"; }; done; true`);
    if (r.code !== 0) throw new Error(`reading the locks on ${h.name}: exit ${r.code}: ${r.stderr}`);
    for (const entry of r.stdout.split('=== ').filter(Boolean)) {
      const [file = '', first = ''] = entry.split('\n');
      if (ours(first)) left.push(`${h.name}: ${file}`);
    }
  }
  return left;
}

/** The lock owner a main step's journal names (its saved state). */
export function journalOwner(run: ActionRun): string {
  const owner = (JSON.parse(run.state.journal ?? '{}') as { owner?: string }).owner;
  if (!owner) throw new Error('the main step saved no journal');
  return owner;
}

/** A crash shows as a stack trace or an unhandled rejection on stderr, or death by a signal. */
export function crashed(run: ActionRun): string | null {
  if (run.signal) return `killed by ${run.signal}`;
  if (run.code !== 0 && run.code !== 1) return `exit code ${run.code}`;
  if (/Unhandled|uncaught|^\s+at .+:\d+:\d+\)?$/im.test(run.stderr)) return run.stderr.slice(0, 500);
  return null;
}

/** One row of the fault matrix, as the README's reliability table shows it. */
export interface FaultRow {
  n: number;
  fault: string;
  result: string;
  status: string;
  failedHost: string;
  phase: string;
  changed: string[];
  lb: Record<string, string>;
  crash: string;
  verdict: string;
}

const RESULTS = resolve(__dirname, '../fleet/results/faults.json');

/** Adds (or replaces) a row in the suite's results file, read by scripts/faults-table.ts. */
export function recordFault(row: FaultRow): void {
  mkdirSync(dirname(RESULTS), { recursive: true });
  let rows: FaultRow[] = [];
  try {
    rows = JSON.parse(readFileSync(RESULTS, 'utf8')) as FaultRow[];
  } catch {
    rows = [];
  }
  rows = [...rows.filter((r) => r.n !== row.n), row].sort((a, b) => a.n - b.n);
  writeFileSync(RESULTS, `${JSON.stringify(rows, null, 2)}\n`);
}
