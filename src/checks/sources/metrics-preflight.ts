import type { LoadBalancer } from '../../lb/load-balancer';
import type { RemoteHost } from '../../remote/remote-host';
import type { LocalShell } from '../../runtime/local-shell';
import type { MetricsVia, PrometheusSettings } from '../../settings/metrics-sources';
import type { Settings } from '../../settings/settings';
import type { SshTarget } from '../../transport/target';
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

/** The host being watched and the rollout's own connection to it (`*-via: host`): no new connection. */
export interface WatchedHost {
  host: SshTarget;
  remote: RemoteHost;
}

/** Where `*-via` says the query or command runs, as an SSH host and its label; null: on the runner. */
function viaRemote(via: MetricsVia, lb: LoadBalancer | null, own: WatchedHost | undefined, input: string) {
  if (via === 'runner') return null;
  if (via === 'lb-host') return lbRemote(lb, input);
  if (!own) throw new Error(`${input} is host, but there is no connection to the watched host`);
  const t = own.remote.connection.target;
  return { remote: own.remote, label: `the watched host ${own.host.name} (${t.user}@${t.host}:${t.port})` };
}

/** The client prometheus-via asks for: from this process, or curl on the load balancer's or the watched host. */
export function prometheusClient(settings: Settings, lb: LoadBalancer | null, own?: WatchedHost): PrometheusClient | null {
  const p = settings.check.prometheus;
  if (!p) return null;
  const access = { authorization: p.authorization, tlsVerify: p.tlsVerify, timeoutMs: PROMETHEUS_TIMEOUT_MS };
  const ssh = viaRemote(p.via, lb, own, 'prometheus-via');
  if (ssh)
    return new PrometheusClient(sshGet(ssh.remote, access), p.url, `with curl on ${ssh.label} over SSH`, sshGetLine(ssh.remote, access));
  return new PrometheusClient(runnerGet(access), p.url);
}

/** Where check-command-via runs the command: a shell on the runner, the load balancer's host or the watched host. */
export function commandRunner(via: MetricsVia, lb: LoadBalancer | null, local: LocalShell, own?: WatchedHost): CommandRunner {
  const ssh = viaRemote(via, lb, own, 'check-command-via');
  return ssh ? hostShell(ssh.remote, ssh.label) : runnerShell(local);
}

/** Prometheus answers, then each host's queries give one series and its target is being scraped. */
async function askPrometheus(client: PrometheusClient, p: PrometheusSettings, hosts: SshTarget[], from: string): Promise<void> {
  // Reachability, authentication and the API first: one clear error naming prometheus-url.
  const alive = await client.query('time()');
  if (!alive.ok) throw new Error(`prometheus-url${from}: ${alive.error} (${p.url}, via ${p.via})`);
  for (const host of hosts) {
    await readTotals(client, p, host);
    const scrapes = await countScrapes(client, p, host, PREFLIGHT_SCRAPE_MS);
    if (scrapes === null)
      throw new Error(`prometheus-scrape-series for ${host.name}: no sample in the last minute (is the target scraped?)`);
  }
}

/**
 * The metrics source asked once for every host before anything changes: an unreachable
 * Prometheus, a query that returns nothing or several series, a query error, a target not being
 * scraped, or a check-command that fails or prints something else, stops the run here. Each
 * error names the input. `*-via: host` is asked host by host instead (preflightHostMetrics).
 */
export async function preflightMetrics(settings: Settings, lb: LoadBalancer | null, local: LocalShell, now: () => number): Promise<void> {
  if (settings.check.windowMs === 0) return;
  const p = settings.check.prometheus;
  if (p && p.via !== 'host') {
    const client = prometheusClient(settings, lb);
    if (client) await askPrometheus(client, p, settings.hosts, '');
  }
  const c = settings.check.command;
  if (settings.check.source === 'command' && c && c.via !== 'host') {
    const runner = commandRunner(c.via, lb, local);
    const t = now();
    for (const host of settings.hosts) await runCountsCommand(runner, c, host, t - settings.check.windowMs, t);
  }
}

/**
 * `*-via: host`, in each host's own preflight, over the connection preflight holds to it: the
 * host asks Prometheus for its own series (or runs check-command for itself). Every host, not
 * just the first: each reaches Prometheus by its own route (a firewall, DNS, a proxy, curl there
 * or not), and a host that cannot would otherwise be found out only at its watch, after the hosts
 * before it had changed, which is what preflight is for. It asks what the runner would have asked
 * for that host anyway, so it costs no more queries, and no extra connection.
 */
export async function preflightHostMetrics(settings: Settings, own: WatchedHost, local: LocalShell, now: () => number): Promise<void> {
  if (settings.check.windowMs === 0) return;
  const p = settings.check.prometheus;
  const c = settings.check.command;
  const name = own.host.name;
  if (settings.check.source === 'prometheus' && p?.via === 'host') {
    const client = prometheusClient(settings, null, own);
    if (client)
      await askPrometheus(client, p, [own.host], ` from ${name}`).catch((err: Error) => {
        throw new Error(`${err.message}; asked from ${name} itself (prometheus-via: host)`);
      });
  }
  if (settings.check.source === 'command' && c?.via === 'host') {
    const t = now();
    await runCountsCommand(commandRunner('host', null, local, own), c, own.host, t - settings.check.windowMs, t).catch((err: Error) => {
      throw new Error(`${err.message}; run on ${name} itself (check-command-via: host)`);
    });
  }
}
