import { fillPlaceholders } from '../remote/quote';
import { userCommand } from '../remote/commands/exec';
import { poolLock } from '../remote/commands/locks';
import type { RemoteHost } from '../remote/remote-host';
import { tail } from '../remote/remote-host';
import type { LocalShell } from '../runtime/local-shell';
import type { SshTarget } from '../transport/target';
import type { BeforeSend, LoadBalancer } from './load-balancer';

/**
 * The user's own drain and ready commands (a cloud CLI deregistering a target, say), with `{host}`
 * and `{name}` filled in shell-quoted. They run on the runner, or on lb-host when one is given.
 */
export class CommandLb implements LoadBalancer {
  readonly description: string;
  /** Only with lb-host: commands on the runner have no shared place for a lock. */
  readonly lock: LoadBalancer['lock'];
  readonly checksBeforeSend = true;

  constructor(
    private readonly drainCommand: string,
    private readonly readyCommand: string,
    private readonly timeoutMs: number,
    private readonly remote: RemoteHost | null,
    private readonly local: LocalShell,
  ) {
    this.description = remote ? `drain/ready commands on ${remote.connection.target.host}` : 'drain/ready commands on the runner';
    this.lock = remote ? { remote, ...poolLock('command', this.description) } : null;
  }

  private async run(which: 'drain-command' | 'ready-command', template: string, host: SshTarget, beforeSend?: BeforeSend): Promise<void> {
    const script = fillPlaceholders(template, { host: host.host, name: host.name });
    if (this.remote) {
      await this.remote.check(userCommand(`${which} for ${host.name}`, script, this.timeoutMs), beforeSend);
      return;
    }
    beforeSend?.();
    const result = await this.local.run(script, { timeoutMs: this.timeoutMs });
    if (result.timedOut) throw new Error(`${which} for ${host.name} ran past ${this.timeoutMs / 1000}s and was killed`);
    if (result.code !== 0) {
      const output = tail(result.stderr) || tail(result.stdout);
      throw new Error(`${which} for ${host.name} exited with ${result.code ?? `signal ${result.signal}`}${output ? `: ${output}` : ''}`);
    }
  }

  async preflight(): Promise<string[]> {
    return [];
  }

  async healthyOthers(): Promise<null> {
    return null;
  }

  drain(host: SshTarget, beforeSend?: BeforeSend): Promise<void> {
    return this.run('drain-command', this.drainCommand, host, beforeSend);
  }

  undrain(host: SshTarget): Promise<void> {
    return this.run('ready-command', this.readyCommand, host);
  }

  async inFlight(): Promise<null> {
    return null;
  }

  async isUp(): Promise<null> {
    return null;
  }

  async close(): Promise<void> {
    await this.remote?.close();
  }
}
