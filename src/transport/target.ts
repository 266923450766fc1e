/** One SSH destination: a fleet host or the load balancer. */
export interface SshTarget {
  /** DNS name, IPv4 or IPv6 address (no brackets). */
  host: string;
  port: number;
  user: string;
  /** Display name, and the server's name in the load balancer. */
  name: string;
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
