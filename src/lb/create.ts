import { RemoteHost } from '../remote/remote-host';
import type { LocalShell } from '../runtime/local-shell';
import type { Settings } from '../settings/settings';
import type { Connector } from '../transport/connection';
import { ConnectionLease } from '../transport/lease';
import { CommandLb } from './command';
import { HaproxyLb } from './haproxy';
import type { LoadBalancer } from './load-balancer';
import { NginxLb } from './nginx';

/** Connects to the load balancer the settings name (if any) and returns its adapter. */
export async function createLoadBalancer(settings: Settings, connector: Connector, local: LocalShell): Promise<LoadBalancer | null> {
  const lb = settings.lb;
  const timeout = settings.ssh.commandTimeoutMs;
  // The shell for the lock starts at once, beside whatever channel the adapter opens first.
  // A lease, held for the whole run: a connection lost on the way is made again (verified as the
  // first) by the lock's heartbeat or at the run's next safe point, which renew the run's lock on
  // it before anything relies on it (rollout/lock-hold.ts).
  const remoteOf = async (target: NonNullable<Extract<typeof lb, { kind: 'command' }>['host']>): Promise<RemoteHost> => {
    const lease = new ConnectionLease(connector, target);
    await lease.acquire();
    const remote = new RemoteHost(lease, settings.ssh.sudo);
    remote.warm();
    return remote;
  };
  switch (lb.kind) {
    case 'none':
      return null;
    case 'haproxy':
      return new HaproxyLb(await remoteOf(lb.host), lb.socket, lb.backend, timeout);
    case 'nginx':
      return new NginxLb(await remoteOf(lb.host), lb.upstreamConfig, lb.service, timeout);
    case 'command':
      return new CommandLb(lb.drainCommand, lb.readyCommand, timeout, lb.host ? await remoteOf(lb.host) : null, local);
  }
}
