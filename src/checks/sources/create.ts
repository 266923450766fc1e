import type { LoadBalancer } from '../../lb/load-balancer';
import type { RemoteHost } from '../../remote/remote-host';
import type { Settings } from '../../settings/settings';
import type { LocalShell } from '../../runtime/local-shell';
import type { SshTarget } from '../../transport/target';
import { AccessLogSource } from './access-log';
import type { ErrorSource } from './error-source';
import { CommandSource } from './command';
import { HaproxySource } from './haproxy';
import { commandRunner, prometheusClient } from './metrics-preflight';
import { PrometheusSource } from './prometheus';
import { ProbeSource } from './probe';

/** Paths that are health checks, not traffic: the readiness URL's and check-ignore-paths. */
export function ignoredPaths(settings: Settings): Set<string> {
  const paths = new Set(settings.checkIgnorePaths);
  if (settings.readiness.url) paths.add(new URL(settings.readiness.url).pathname);
  return paths;
}

/** The error source `check-source` names, for one host. */
export function createErrorSource(
  settings: Settings,
  host: SshTarget,
  remote: RemoteHost,
  lb: LoadBalancer | null,
  now: () => number,
  local?: LocalShell,
): ErrorSource {
  const timeout = settings.ssh.commandTimeoutMs;
  switch (settings.check.source) {
    case 'access-log':
      return new AccessLogSource(remote, settings.check.accessLog, ignoredPaths(settings), timeout);
    case 'probe':
      return new ProbeSource(remote, settings.check.url ?? '');
    case 'haproxy': {
      const counters = lb?.counters?.bind(lb);
      if (!counters) throw new Error('check-source haproxy needs lb: haproxy');
      const others = settings.check.fleetRelative ? settings.hosts.filter((h) => h.name !== host.name) : [];
      return new HaproxySource(counters, host, now, others);
    }
    case 'prometheus': {
      const client = prometheusClient(settings, lb, { host, remote });
      if (!client || !settings.check.prometheus) throw new Error('check-source prometheus needs prometheus-url');
      const others = settings.check.fleetRelative ? settings.hosts.filter((h) => h.name !== host.name) : [];
      return new PrometheusSource(client, settings.check.prometheus, host, others, now);
    }
    case 'command':
      if (!local || !settings.check.command) throw new Error('check-source command needs check-command');
      return new CommandSource(commandRunner(settings.check.command.via, lb, local, { host, remote }), settings.check.command, host, now);
  }
}
