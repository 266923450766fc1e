import { poolLock } from '../remote/commands/locks';
import { nginxUpstreamList, nginxUpstreamMark } from '../remote/commands/nginx';
import type { RemoteHost } from '../remote/remote-host';
import type { SshTarget } from '../transport/target';
import type { BeforeSend, LoadBalancer, OutOfService } from './load-balancer';

interface UpstreamLine {
  down: boolean;
  address: string;
  line: string;
}

function parseList(stdout: string): UpstreamLine[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [state, ...rest] = l.split(' ');
      const line = rest.join(' ');
      const address = /server\s+([^\s;]+)/.exec(line)?.[1] ?? '';
      return { down: state === 'down', address, line };
    });
}

function matches(entry: UpstreamLine, host: SshTarget): boolean {
  const bare = entry.address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  // The rule of the awk in nginxUpstreamMark: "# name" not followed by another name character.
  const at = entry.line.indexOf(`# ${host.name}`);
  const tagged = at >= 0 && !/[A-Za-z0-9_.:-]/.test(entry.line.charAt(at + host.name.length + 2));
  return bare === host.host || bare === host.name || tagged;
}

/**
 * An nginx load balancer: a host is drained by marking its `server` line `down` in the upstream
 * file and reloading gracefully. Open-source nginx has no live server health or session counts, so
 * those questions get "cannot tell" and the drain wait asks the host itself.
 */
export class NginxLb implements LoadBalancer {
  readonly description: string;
  readonly lock: LoadBalancer['lock'];
  /** The edit marks the server line down or up whatever it was. */
  readonly repeatable = true;
  readonly checksBeforeSend = true;

  constructor(
    private readonly remote: RemoteHost,
    private readonly file: string,
    private readonly unit: string,
    private readonly timeoutMs: number,
  ) {
    this.description = `nginx upstream ${file} on ${remote.connection.target.user}@${remote.connection.target.host}`;
    this.lock = { remote, ...poolLock(`nginx.${file}`, this.description) };
  }

  private async list(): Promise<UpstreamLine[]> {
    return parseList(await this.remote.check(nginxUpstreamList(this.file, this.timeoutMs)));
  }

  async preflight(hosts: SshTarget[]): Promise<string[]> {
    const lines = await this.list();
    const missing = hosts.filter((h) => !lines.some((l) => matches(l, h))).map((h) => h.name);
    if (missing.length)
      throw new Error(`${this.file} has no upstream server line for ${missing.join(', ')} (by address, name, or a "# name" comment)`);
    return lines
      .filter((l) => l.down && hosts.some((h) => matches(l, h)))
      .map((l) => `${l.address} is already marked down in ${this.file}`);
  }

  /** An upstream already marked `down` before the run was put there by someone else. */
  async notInService(hosts: SshTarget[]): Promise<Map<string, OutOfService>> {
    const lines = await this.list();
    const out = new Map<string, OutOfService>();
    for (const host of hosts) {
      if (lines.some((l) => l.down && matches(l, host))) out.set(host.name, { state: 'maint', text: `marked down in ${this.file}` });
    }
    return out;
  }

  async healthyOthers(host: SshTarget): Promise<number> {
    // Configured and not marked down; nginx cannot tell whether they are healthy.
    return (await this.list()).filter((l) => !l.down && !matches(l, host)).length;
  }

  /** The edit before this one; the next waits for it (see mark). */
  private edits: Promise<unknown> = Promise.resolve();

  /**
   * One edit at a time: each is read, change, `nginx -t`, reload of the one file, and hosts of a
   * batch drain concurrently; two interleaved edits would lose one of them.
   */
  private mark(host: SshTarget, down: boolean, beforeSend?: BeforeSend): Promise<void> {
    const next = this.edits.then(() => this.markNow(host, down, beforeSend));
    this.edits = next.catch(() => undefined);
    return next;
  }

  private async markNow(host: SshTarget, down: boolean, beforeSend?: BeforeSend): Promise<void> {
    const addresses = [...new Set([host.host, host.name])];
    const result = await this.remote.run(nginxUpstreamMark(this.file, this.unit, addresses, host.name, down, this.timeoutMs), beforeSend);
    if (result.code === 3) throw new Error(`${this.file} has no upstream server line for ${host.name}`);
    if (result.code !== 0)
      throw new Error(
        `could not mark ${host.name} ${down ? 'down' : 'up'} in ${this.file}: ${result.stderr.trim() || `exit ${result.code}`}`,
      );
  }

  drain(host: SshTarget, beforeSend?: BeforeSend): Promise<void> {
    return this.mark(host, true, beforeSend);
  }

  undrain(host: SshTarget): Promise<void> {
    return this.mark(host, false);
  }

  async inFlight(): Promise<null> {
    return null;
  }

  async isUp(host: SshTarget): Promise<boolean | null> {
    const line = (await this.list()).find((l) => matches(l, host));
    // Not marked down is all nginx can say; it has no active health checks.
    return line ? (line.down ? false : null) : false;
  }

  async close(): Promise<void> {
    await this.remote.close();
  }
}
