/**
 * The catalogue of every command the product runs on a host or the load balancer host, one file
 * per domain. Each builder quotes every value it puts in a script (remote/quote.ts) or passes it
 * as a positional "$1"…; nothing outside remote/commands/ assembles a shell string.
 */
export * from './exec';
export * from './systemd';
export * from './nginx';
export * from './traffic';
export * from './haproxy';
export * from './log-file';
export * from './locks';
export * from './metrics';
