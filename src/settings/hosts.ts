import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import type { SshTarget } from '../transport/target';
import { parseProxyName, shown } from './values';

/** Where a host entry does not name its own user or port. */
export interface HostDefaults {
  user: string;
  port: number;
}

export type HostsParse = { ok: true; hosts: SshTarget[] } | { ok: false; errors: string[] };

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/;
const USER = /^[a-z_][a-z0-9_.-]{0,31}$/i;

function checkAddress(address: string): string | undefined {
  if (isIP(address)) return undefined;
  if (HOSTNAME.test(address)) return undefined;
  return `${shown(address)} is not a host name, IPv4 or IPv6 address`;
}

function checkPort(text: string): number | string {
  const port = Number(text);
  return /^\d+$/.test(text) && port >= 1 && port <= 65535 ? port : `port ${shown(text)} is not a number from 1 to 65535`;
}

/**
 * One address however it is spelt, to find a host listed twice: DNS names are case-insensitive and
 * may end in the root's dot (`web1.`), and an IPv6 address has many spellings (`::1` and
 * `0:0:0:0:0:0:0:1`; the URL parser gives the canonical one). Two names of one machine (an alias,
 * a name and its address) are not found: that needs DNS, which settings never ask.
 */
export function addressKey(address: string): string {
  const lower = address.toLowerCase();
  if (isIP(lower) === 6) {
    try {
      return new URL(`http://[${lower}]/`).hostname;
    } catch {
      return lower; // a zone index (fe80::1%eth0), which URLs do not take
    }
  }
  return isIP(lower) ? lower : lower.replace(/\.$/, '');
}

/** `address:port` with the address in its one spelling (addressKey): what makes two entries one host. */
function targetKey(target: Pick<SshTarget, 'host' | 'port'>): string {
  return `${addressKey(target.host)}:${target.port}`;
}

/** `[user@]address[:port]`, IPv6 as `[addr]` or `[addr]:port` (a bare IPv6 address has no port). */
export function parseTarget(text: string, defaults: HostDefaults): SshTarget | string {
  const entry = text.trim();
  let rest = entry;
  let user = defaults.user;
  const at = rest.indexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
    if (!USER.test(user)) return `${shown(entry)}: user ${shown(user)} is not a valid user name`;
  }
  let host: string;
  let port: number | string = defaults.port;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
  if (bracketed?.[1] !== undefined) {
    host = bracketed[1];
    if (isIP(host) !== 6) return `${shown(entry)}: only IPv6 addresses go in brackets`;
    if (bracketed[2] !== undefined) port = checkPort(bracketed[2]);
  } else if ((rest.match(/:/g) ?? []).length >= 2) {
    host = rest; // a bare IPv6 address: no port can be told apart from it
  } else {
    const colon = rest.lastIndexOf(':');
    host = colon >= 0 ? rest.slice(0, colon) : rest;
    if (colon >= 0) port = checkPort(rest.slice(colon + 1));
  }
  if (typeof port === 'string') return `${shown(entry)}: ${port}`;
  const bad = checkAddress(host);
  if (bad) return host === entry ? bad : `${shown(entry)}: ${bad}`;
  return { host, port, user, name: host };
}

/** More hops than any real network needs: a longer chain is a mistake (or a loop). */
export const MAX_JUMP_HOPS = 8;

/**
 * A jump chain in OpenSSH's ProxyJump form: `[user@]host[:port]`, several separated by commas,
 * first hop first; `none` (or empty) for a direct connection. A hop's user defaults to the `user`
 * input and its port to 22 (not the `port` input, which is the hosts' SSH port). Returns the hops,
 * or why the text is not a chain.
 */
export function parseJumpChain(text: string, user: string): SshTarget[] | string {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'none') return [];
  const parts = trimmed.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) return `${shown(trimmed)}: an empty hop between commas`;
  if (parts.length > MAX_JUMP_HOPS) return `${shown(trimmed)}: ${parts.length} hops; at most ${MAX_JUMP_HOPS}`;
  const hops: SshTarget[] = [];
  for (const part of parts) {
    if (/^ssh:\/\//i.test(part)) return `${shown(part)}: write the hop as [user@]host[:port], without ssh://`;
    const hop = parseTarget(part, { user, port: 22 });
    if (typeof hop === 'string') return hop;
    if (hops.some((h) => targetKey(h) === targetKey(hop))) return `${shown(trimmed)}: ${shown(part)} appears twice (a loop)`;
    hops.push({ ...hop, name: hop.port === 22 ? hop.host : `${hop.host}:${hop.port}` });
  }
  return hops;
}

function firstLine(text: string): string | undefined {
  return text.split('\n').find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}

function isYamlList(text: string): boolean {
  const first = firstLine(text);
  return first !== undefined && /^\s*-(\s|$)/.test(first);
}

/**
 * `[web1, web2]` or `[{host: a, name: web-1}]`: a YAML flow list, when the whole text is one. The
 * plain form's bracketed IPv6 (`[::1]:2222, web3`) is not valid YAML, and stays the plain form; a
 * lone `[2001:db8::5]` reads the same either way.
 */
function flowList(text: string): unknown[] | null {
  if (!firstLine(text)?.trimStart().startsWith('[')) return null;
  try {
    const value: unknown = parseYaml(text);
    return Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

function fromMapping(item: Record<string, unknown>, index: number, defaults: HostDefaults): SshTarget | string {
  const where = `item ${index + 1}`;
  const unknown = Object.keys(item).filter((k) => !['host', 'port', 'user', 'name', 'jump'].includes(k));
  if (unknown.length)
    return `${where}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (expected host, port, user, name, jump)`;
  // `user:` with nothing after it is YAML null; String() would make it the user "null".
  const empty = Object.keys(item).filter((k) => k !== 'host' && item[k] === null);
  if (empty.length) return `${where}: ${empty.join(', ')} ${empty.length > 1 ? 'have' : 'has'} no value (give one or leave the key out)`;
  if (typeof item.host !== 'string' || item.host.trim() === '') return `${where}: "host" is required`;
  const host = item.host.trim();
  const bad = checkAddress(host.replace(/^\[(.*)\]$/, '$1'));
  if (bad) return `${where}: ${bad}`;
  let port = defaults.port;
  if (item.port !== undefined) {
    const checked = checkPort(String(item.port));
    if (typeof checked === 'string') return `${where}: ${checked}`;
    port = checked;
  }
  let user = defaults.user;
  if (item.user !== undefined) {
    user = String(item.user);
    if (!USER.test(user)) return `${where}: user ${shown(user)} is not a valid user name`;
  }
  const address = host.replace(/^\[(.*)\]$/, '$1');
  let name = address;
  if (item.name !== undefined) {
    const parsed = parseProxyName(String(item.name));
    if (!parsed.ok) return `${where}: name ${parsed.error}`;
    name = parsed.value;
  }
  if (item.jump === undefined) return { host: address, port, user, name };
  // The host's own chain, or `none`: overrides jump-hosts for this host alone.
  if (typeof item.jump !== 'string') return `${where}: jump must be a string: [user@]host[:port], comma-separated, or none`;
  const jump = parseJumpChain(item.jump, defaults.user);
  if (typeof jump === 'string') return `${where}: jump ${jump}`;
  return { host: address, port, user, name, jump };
}

/**
 * The `hosts` input: one target per line or comma-separated, or a YAML list whose items are
 * mappings (`host`, `port`, `user`, `name`, `jump`) or plain targets. Order is rollout order.
 */
export function parseHosts(text: string, defaults: HostDefaults): HostsParse {
  const errors: string[] = [];
  const hosts: SshTarget[] = [];
  const add = (result: SshTarget | string): void => {
    if (typeof result === 'string') errors.push(result);
    else hosts.push(result);
  };
  const flow = flowList(text);
  if (flow || isYamlList(text)) {
    let items: unknown = flow;
    try {
      items ??= parseYaml(text);
    } catch (err) {
      return { ok: false, errors: [`not a valid YAML list: ${(err as Error).message.split('\n')[0]}`] };
    }
    if (!Array.isArray(items)) return { ok: false, errors: ['expected a YAML list of hosts'] };
    items.forEach((item, index) => {
      if (typeof item === 'string') add(parseTarget(item, defaults));
      else if (item && typeof item === 'object' && !Array.isArray(item)) add(fromMapping(item as Record<string, unknown>, index, defaults));
      else errors.push(`item ${index + 1}: expected a mapping with "host" or a "user@host:port" string`);
    });
  } else {
    text
      .split(/[\n,]/)
      .map((s) => s.trim())
      .filter((s) => s !== '' && !s.startsWith('#'))
      .forEach((entry) => add(parseTarget(entry, defaults)));
  }
  if (errors.length === 0 && hosts.length === 0) errors.push('expected at least one host');
  // Several ports of one address (NAT, containers) get `address:port` names unless named.
  const perHost = new Map<string, number>();
  for (const h of hosts) perHost.set(h.host, (perHost.get(h.host) ?? 0) + 1);
  for (const h of hosts) {
    if (h.name === h.host && (perHost.get(h.host) ?? 0) > 1)
      h.name = h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`;
  }
  const targets = new Set<string>();
  const names = new Set<string>();
  for (const h of hosts) {
    const target = targetKey(h);
    if (targets.has(target)) errors.push(`host ${shown(`${h.host}:${h.port}`)} appears twice`);
    else if (names.has(h.name)) errors.push(`name ${shown(h.name)} appears twice`);
    targets.add(target);
    names.add(h.name);
  }
  return errors.length ? { ok: false, errors } : { ok: true, hosts };
}
