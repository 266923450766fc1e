import type { LoadBalancer } from '../../lb/load-balancer';
import type { RemoteHost } from '../../remote/remote-host';
import type { LocalShell } from '../../runtime/local-shell';
import type { MetricsVia } from '../../settings/metrics-sources';
import type { Settings } from '../../settings/settings';
import { PrometheusClient, runnerGet, sshGet, sshGetLine } from '../prometheus/client';
import { hostShell, runCountsCommand, runnerShell, type CommandRunner } from './command';
import { countScrapes, readTotals } from './prometheus';

/** Longest one Prometheus query may take. */
const PROMETHEUS_TIMEOUT_MS = 10_000;
/** Preflight wants scrapes within this: a target not scraped for a minute is not being watched. */
const PREFLIGHT_SCRAPE_MS = 60_000;

/** The load balancer's SSH host, for `*-via: lb-host`: the rollout's own connection to it. */
function lbRemote(lb: LoadBalancer | null, input: string): { remote: RemoteHost; label: string } {
  const remote = lb?.lock?.remote;
  if (!remote) throw new Error(`${input} is lb-host, but there is no load balancer connection`);
  const t = remote.connection.target;
  return { remote, label: `the load balancer host ${t.user}@${t.host}:${t.port}` };
}

/** The client prometheus-via asks for: from this process, or curl on the load balancer's host. */
export function prometheusClient(settings: Settings, lb: LoadBalancer | null): PrometheusClient | null {
  const p = settings.check.prometheus;
  if (!p) return null;
  const access = { authorization: p.authorization, tlsVerify: p.tlsVerify, timeoutMs: PROMETHEUS_TIMEOUT_MS };
  if (p.via === 'lb-host') {
    const { remote, label } = lbRemote(lb, 'prometheus-via');
    return new PrometheusClient(sshGet(remote, access), p.url, `with curl on ${label} over SSH`, sshGetLine(remote, access));
  }
  return new PrometheusClient(runnerGet(access), p.url);
}

/** Where check-command-via runs the command: a shell on the runner, or the load balancer's host. */
export function commandRunner(via: MetricsVia, lb: LoadBalancer | null, local: LocalShell): CommandRunner {
  if (via === 'runner') return runnerShell(local);
  const { remote, label } = lbRemote(lb, 'check-command-via');
  return hostShell(remote, label);
}

/**
 * The metrics source asked once for every host before anything changes: an unreachable
 * Prometheus, a query that returns nothing or several series, a query error, a target not being
 * scraped, or a check-command that fails or prints something else, stops the run here. Each
 * error names the input.
 */
export async function preflightMetrics(settings: Settings, lb: LoadBalancer | null, local: LocalShell, now: () => number): Promise<void> {
  if (settings.check.windowMs === 0) return;
  const client = prometheusClient(settings, lb);
  const p = settings.check.prometheus;
  if (client && p) {
    // Reachability, authentication and the API first: one clear error naming prometheus-url.
    const alive = await client.query('time()');
    if (!alive.ok) throw new Error(`prometheus-url: ${alive.error} (${p.url}, via ${p.via})`);
    for (const host of settings.hosts) {
      await readTotals(client, p, host);
      const scrapes = await countScrapes(client, p, host, PREFLIGHT_SCRAPE_MS);
      if (scrapes === null)
        throw new Error(`prometheus-scrape-series for ${host.name}: no sample in the last minute (is the target scraped?)`);
    }
  }
  const c = settings.check.command;
  if (settings.check.source === 'command' && c) {
    const runner = commandRunner(c.via, lb, local);
    const t = now();
    for (const host of settings.hosts) await runCountsCommand(runner, c, host, t - settings.check.windowMs, t);
  }
}
