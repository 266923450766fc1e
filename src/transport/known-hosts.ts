import { createHash, createHmac } from 'node:crypto';
import { knownHostsKey, type SshTarget } from './target';

/** One usable line of a known_hosts file. */
export interface KnownHostEntry {
  marker: 'none' | 'revoked' | 'cert-authority';
  patterns: string;
  keyType: string;
  key: Buffer;
  line: number;
}

export interface KnownHostsParse {
  entries: KnownHostEntry[];
  /** Lines that could not be read, e.g. `line 3: expected "hosts keytype base64-key"`. */
  problems: string[];
}

/** Parses known_hosts text: plain and hashed host fields, markers, comments, several key types. */
export function parseKnownHosts(text: string): KnownHostsParse {
  const entries: KnownHostEntry[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'] = 'none';
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    } else if (fields[0]?.startsWith('@')) {
      problems.push(`line ${index + 1}: unknown marker ${fields[0]}`);
      return;
    }
    const [patterns, keyType, keyText] = fields;
    if (!patterns || !keyType || !keyText) {
      problems.push(`line ${index + 1}: expected "hosts key-type base64-key"`);
      return;
    }
    const key = Buffer.from(keyText, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyText) || key.length === 0) {
      problems.push(`line ${index + 1}: the key is not valid base64`);
      return;
    }
    if (blobKeyType(key) !== keyType) {
      problems.push(`line ${index + 1}: the key says it is ${blobKeyType(key) ?? 'unreadable'}, the line says ${keyType}`);
      return;
    }
    entries.push({ marker, patterns, keyType, key, line: index + 1 });
  });
  return { entries, problems };
}

/** The key type written inside an SSH public key blob (a length-prefixed string). */
export function blobKeyType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || blob.length < 4 + length) return undefined;
  return blob.subarray(4, 4 + length).toString('latin1');
}

/** `SHA256:…` as `ssh-keygen -lf` prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * OpenSSH's wildcard match (`*` any run, `?` one character), without case. Greedy two-pointer
 * with one backtrack point: at most pattern × host steps. The regex it replaces backtracked
 * exponentially: `**************x` against a 23-character name took 112 s, synchronously inside
 * the host verifier.
 */
export function globMatches(glob: string, text: string): boolean {
  const p = glob.toLowerCase();
  const s = text.toLowerCase();
  let i = 0;
  let j = 0;
  let star = -1;
  let resume = 0;
  while (j < s.length) {
    if (i < p.length && (p[i] === '?' || (p[i] !== '*' && p[i] === s[j]))) {
      i += 1;
      j += 1;
    } else if (i < p.length && p[i] === '*') {
      star = i;
      resume = j;
      i += 1;
    } else if (star >= 0) {
      // Let the last star take one more character and try again from there.
      i = star + 1;
      resume += 1;
      j = resume;
    } else {
      return false;
    }
  }
  while (p[i] === '*') i += 1;
  return i === p.length;
}

function hashedMatches(field: string, hostKey: string): boolean {
  const [, kind, salt, hash] = field.split('|');
  if (kind !== '1' || !salt || !hash) return false;
  // ssh hashes the name as it writes it: lowercased.
  const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(hostKey.toLowerCase()).digest('base64');
  return digest === hash;
}

/** OpenSSH's rule: any positive pattern matches and no negated one does. */
export function patternsMatch(patterns: string, hostKey: string): boolean {
  if (patterns.startsWith('|')) return hashedMatches(patterns, hostKey);
  let matched = false;
  for (const pattern of patterns.split(',')) {
    const negated = pattern.startsWith('!');
    const glob = negated ? pattern.slice(1) : pattern;
    if (globMatches(glob, hostKey)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/** Host-key algorithms ssh2 should ask for so the server offers a key type we hold. */
const ALGORITHMS: Record<string, string[]> = {
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

export type HostKeyVerdict =
  | { ok: true }
  | {
      ok: false;
      reason: 'unknown-host' | 'mismatch' | 'revoked';
      offered: string;
      expected: string[];
      /** Lines of @cert-authority entries that name this host: host certificates are not checked. */
      certAuthorityLines?: number[];
    };

/** Strict host-key checking against a parsed known_hosts. */
export class KnownHosts {
  constructor(private readonly entries: KnownHostEntry[]) {}

  private forTarget(target: Pick<SshTarget, 'host' | 'port'>): KnownHostEntry[] {
    const key = knownHostsKey(target);
    return this.entries.filter((e) => e.marker !== 'cert-authority' && patternsMatch(e.patterns, key));
  }

  /**
   * Lines of @cert-authority entries whose patterns cover the target. This action does not check
   * host certificates, so such a line trusts nothing; it is reported so the user can add the
   * host's own key instead of seeing a bare "unknown host".
   */
  certAuthorityLines(target: Pick<SshTarget, 'host' | 'port'>): number[] {
    const key = knownHostsKey(target);
    return this.entries.filter((e) => e.marker === 'cert-authority' && patternsMatch(e.patterns, key)).map((e) => e.line);
  }

  /** Algorithms to offer during the handshake, or undefined to leave ssh2's defaults. */
  algorithmsFor(target: Pick<SshTarget, 'host' | 'port'>): string[] | undefined {
    const types = this.forTarget(target)
      .filter((e) => e.marker === 'none')
      .map((e) => e.keyType);
    if (types.length === 0) return undefined;
    return [...new Set(types.flatMap((t) => ALGORITHMS[t] ?? [t]))];
  }

  verify(target: Pick<SshTarget, 'host' | 'port'>, offered: Buffer): HostKeyVerdict {
    const entries = this.forTarget(target);
    const offeredPrint = `${blobKeyType(offered) ?? 'unknown'} ${fingerprint(offered)}`;
    if (entries.some((e) => e.marker === 'revoked' && e.key.equals(offered))) {
      return { ok: false, reason: 'revoked', offered: offeredPrint, expected: [] };
    }
    const trusted = entries.filter((e) => e.marker === 'none');
    if (trusted.some((e) => e.key.equals(offered))) return { ok: true };
    const certAuthorityLines = this.certAuthorityLines(target);
    return {
      ok: false,
      reason: trusted.length === 0 ? 'unknown-host' : 'mismatch',
      offered: offeredPrint,
      expected: trusted.map((e) => `${e.keyType} ${fingerprint(e.key)}`),
      ...(certAuthorityLines.length ? { certAuthorityLines } : {}),
    };
  }
}
