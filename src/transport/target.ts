/** One SSH destination: a fleet host, the load balancer, or a jump host (bastion) on the way to one. */
export interface SshTarget {
  /** DNS name, IPv4 or IPv6 address (no brackets). */
  host: string;
  port: number;
  user: string;
  /** Display name, and the server's name in the load balancer. */
  name: string;
  /**
   * Jump hosts to pass through, first hop first (OpenSSH's ProxyJump); absent or empty: direct.
   * Each hop's key is checked against known-hosts by its own address, as the target's is.
   */
  jump?: SshTarget[];
}

/** `host` or `[host]:port`, the form known_hosts uses for a destination. */
export function knownHostsKey(target: Pick<SshTarget, 'host' | 'port'>): string {
  return target.port === 22 ? target.host : `[${target.host}]:${target.port}`;
}

/** `user@host:port` with IPv6 in brackets, for messages. */
export function describeTarget(target: SshTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${target.user}@${host}:${target.port}`;
}

/** `user@host:port`, followed by ` via hop1 → hop2` when the target is reached through jump hosts. */
export function describeRoute(target: SshTarget): string {
  const hops = target.jump ?? [];
  return hops.length ? `${describeTarget(target)} via ${hops.map(describeTarget).join(' → ')}` : describeTarget(target);
}
