import type { LoadBalancer } from '../../lb/load-balancer';
import type { RemoteHost } from '../../remote/remote-host';
import type { Settings } from '../../settings/settings';
import type { SshTarget } from '../../transport/target';
import { AccessLogSource } from './access-log';
import type { ErrorSource } from './error-source';
import { HaproxySource } from './haproxy';
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
      return new HaproxySource(counters, host, now);
    }
  }
}
