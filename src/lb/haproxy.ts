import { explainNotFound } from '../inspect/prerequisites';
import { untrustedLine } from '../report/neutralise';
import { haproxyApi, haproxySession } from '../remote/commands/haproxy';
import { poolLock } from '../remote/commands/locks';
import type { CommandStream } from '../transport/connection';
import type { RemoteHost } from '../remote/remote-host';
import type { SshTarget } from '../transport/target';
import type { BeforeSend, LoadBalancer, OutOfService, ServerCounters } from './load-balancer';

/** A runtime API session outlives no rollout: GitHub stops a job after 6 hours. */
const SESSION_MAX_MS = 6 * 3_600_000;
/**
 * After a session that had answered before could not be had again, questions take a command of
 * their own for this long before one tries a session again: a drop is over by then, and where
 * sessions stay broken (HAProxy's CLI full, say) each 50 ms poll does not pay two failed opens.
 */
const SESSION_RETRY_MS = 3000;

/** One row of `show stat`, keyed by the CSV header's field names. */
export type StatRow = Record<string, string>;

/** Parses the CSV of HAProxy's `show stat` (header line starts with `# `). */
export function parseShowStat(csv: string): StatRow[] {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = lines.shift();
  if (!header?.startsWith('# ')) throw new Error(`unexpected answer to "show stat": ${untrustedLine(csv)}`);
  const fields = header.slice(2).split(',');
  return lines.map((line) => {
    const values = line.split(',');
    return Object.fromEntries(fields.map((f, i) => [f, values[i] ?? '']));
  });
}

const num = (row: StatRow, field: string): number => Number(row[field] || 0);

/** srv_admin_state bits of `show servers state`: forced, inherited, config, resolver and hostname maintenance. */
const ADMIN_MAINT = 0x01 | 0x02 | 0x04 | 0x20 | 0x40;
/** Forced and inherited drain. */
const ADMIN_DRAIN = 0x08 | 0x10;

/** Server name → srv_admin_state, from `show servers state BACKEND` (a version line, a `# ` header, rows). */
export function parseServersState(text: string): Map<string, number> {
  const lines = text.split('\n').map((l) => l.trim());
  const header =
    lines
      .find((l) => l.startsWith('# '))
      ?.slice(2)
      .split(' ') ?? [];
  const name = header.indexOf('srv_name');
  const admin = header.indexOf('srv_admin_state');
  if (name < 0 || admin < 0) throw new Error(`unexpected answer to "show servers state": ${untrustedLine(text)}`);
  const rows = lines
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(' '))
    .filter((f) => f.length > admin);
  return new Map(rows.map((f) => [f[name] as string, Number(f[admin])]));
}

/** UP (possibly "UP 1/2" while failing checks) and "no check" servers take traffic when not drained. */
export function isHealthy(row: StatRow): boolean {
  return row.status === 'UP' || row.status === 'no check' || row.status === 'OPEN';
}

/**
 * Whether opening a channel to a UNIX socket failed because it never will on this connection:
 * sshd forbids it (RFC 4254 open failure 1, "administratively prohibited", as with
 * AllowStreamLocalForwarding no) or does not know the channel type (3), the server is not OpenSSH
 * (ssh2's strictVendor), or the transport has no such channels.
 */
function refusesSocketChannels(err: unknown): boolean {
  const e = err as { reason?: unknown; message?: unknown };
  return e.reason === 1 || e.reason === 3 || /strictVendor|no socket channels/.test(String(e.message));
}

/** HAProxy driven through its runtime API over SSH on the load-balancer host. */
export class HaproxyLb implements LoadBalancer {
  readonly description: string;
  readonly lock: LoadBalancer['lock'];
  /** `set server … state drain|ready` sets the state whatever it was. */
  readonly repeatable = true;
  readonly checksBeforeSend = true;

  constructor(
    private readonly remote: RemoteHost,
    private readonly socket: string,
    private readonly backend: string,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.description = `haproxy backend ${backend} via ${remote.connection.target.user}@${remote.connection.target.host}`;
    this.lock = { remote, ...poolLock(`haproxy.${backend}`, this.description) };
  }

  private session: CommandStream | undefined;
  /**
   * From when a question may try a session: at once at first; SESSION_RETRY_MS on after a session
   * that had answered could not be had again (a passing failure: the connection dropped, HAProxy
   * reloading); never on a host where none ever answered: every question takes its own command.
   */
  private sessionsFrom = 0;
  /** A session answered once. */
  private sessionWorked = false;
  /** The question before this one; the next waits for it (see api). */
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * One question to the runtime API. Over a kept-open interactive session where possible: the
   * drain wait polls the session count every 50 ms, and a login shell per poll costs far more
   * than the answer. A session that dies is reopened once; one that cannot open falls back to a
   * command per question, whose errors also explain what is wrong (no socat, no socket).
   */
  private api(command: string, beforeSend?: BeforeSend): Promise<string> {
    // One question at a time: hosts of a batch ask concurrently, and answers on the one session
    // are told apart only by their order.
    const next = this.queue.then(() => this.ask(command, beforeSend));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async ask(command: string, beforeSend?: BeforeSend): Promise<string> {
    // `a; b` runs both in order; in prompt mode each one's answer ends with its own prompt.
    const answers = command.split('; ').length;
    let lastError = '';
    const trySessions = this.now() >= this.sessionsFrom;
    for (let attempt = 0; trySessions && attempt < 2; attempt++) {
      let session: CommandStream;
      try {
        session = this.session?.open ? this.session : await this.openSession();
        this.session = session;
      } catch (err) {
        lastError = (err as Error).message;
        this.session?.close();
        this.session = undefined;
        continue;
      }
      // Not a failure of the session: the question stays unsent, and neither a retry nor socat asks it.
      beforeSend?.();
      try {
        session.write(`${command}\n`);
        let text = '';
        for (let i = 0; i < answers; i++) text += await session.readUntil('\n> ', this.timeoutMs);
        this.sessionWorked = true;
        return text;
      } catch (err) {
        lastError = (err as Error).message;
        this.session?.close();
        this.session = undefined;
      }
    }
    // Where the socket has been reached straight over SSH, preflight never needed socat: a command
    // per question (socat) is no way out, so this question fails and the next tries the socket again.
    if (this.directWorked) throw new Error(`the runtime API at ${this.socket} did not answer over SSH: ${lastError}`);
    // Through socat: this question takes a command of its own, and only a host where no session
    // ever answered gives sessions up (a drop must not leave every later poll spawning socat).
    if (!this.sessionWorked) this.sessionsFrom = Infinity;
    else if (trySessions) this.sessionsFrom = this.now() + SESSION_RETRY_MS;
    return this.remote.check(haproxyApi(this.socket, command, this.timeoutMs), beforeSend);
  }

  /** False once sshd refused to forward to the socket: sessions then go through socat. */
  private direct = true;
  /** A session straight to the socket worked once: later failures are passing ones, never a refusal. */
  private directWorked = false;

  /**
   * The session: a channel straight to the admin socket where sshd forwards to it (no login
   * shell, which on a host with a heavy ~/.bashrc costs a quarter of a second or more, and no
   * socat), else socat run through the login shell.
   */
  private async openSession(): Promise<CommandStream> {
    if (this.direct) {
      const channel = await this.remote.socket(this.socket).catch((err: unknown) => {
        // Only a refusal to open the channel sends every later session through socat. Anything
        // else (the socket gone while HAProxy restarts, a dropped connection) fails this attempt
        // only, and so does a failed prompt: what it says came from the host.
        if (this.directWorked || !refusesSocketChannels(err)) throw err;
        this.direct = false;
        return null;
      });
      if (channel) {
        const session = await this.prompt(channel);
        this.directWorked = true;
        return session;
      }
    }
    return this.prompt(await this.remote.stream(haproxySession(this.socket, SESSION_MAX_MS)));
  }

  /** Interactive mode: every answer then ends with a prompt, which tells answers apart. */
  private async prompt(session: CommandStream): Promise<CommandStream> {
    try {
      session.write('prompt\n');
      await session.readUntil('> ', this.timeoutMs);
      return session;
    } catch (err) {
      session.close();
      throw err;
    }
  }

  /** A command that answers with nothing on success and a message on failure. */
  private async set(command: string, beforeSend?: BeforeSend): Promise<void> {
    const answer = (await this.api(command, beforeSend)).trim();
    if (answer !== '') throw new Error(`haproxy refused "${command}": ${answer}`);
  }

  /**
   * The backend's server rows. `show stat <proxy> 4 -1` (type 4: servers, sid -1: all) asks
   * HAProxy for this backend alone: a full `show stat` of a load balancer with 10,000 servers is
   * 2.1 MiB (371 ms) per read, and the drain wait reads every 200 ms. A frontend of the same name
   * shadows the backend in that lookup (HAProxy 2.6 then lists no servers): only then is the
   * whole table read.
   */
  private async rows(): Promise<StatRow[]> {
    const scoped = await this.serverRows(`show stat ${this.backend} 4 -1`);
    return scoped.length ? scoped : this.serverRows('show stat');
  }

  private async serverRows(command: string): Promise<StatRow[]> {
    const answer = await this.api(command);
    if (/^No such proxy/.test(answer.trim())) return [];
    return parseShowStat(answer).filter((r) => r.pxname === this.backend && r.svname !== 'BACKEND' && r.svname !== 'FRONTEND');
  }

  private async row(host: SshTarget): Promise<StatRow> {
    const row = (await this.rows()).find((r) => r.svname === host.name);
    if (!row) throw new Error(`haproxy backend ${this.backend} has no server named ${host.name}`);
    return row;
  }

  async preflight(hosts: SshTarget[]): Promise<string[]> {
    // The first question to the runtime API: a host without socat (or timeout) is named here.
    const rows = await this.rows().catch((error: unknown) => {
      throw explainNotFound(`the load balancer ${this.remote.connection.target.host}`, error);
    });
    if (rows.length === 0) throw new Error(`haproxy has no backend named ${this.backend} (or it has no servers)`);
    const names = new Set(rows.map((r) => r.svname));
    const missing = hosts.filter((h) => !names.has(h.name)).map((h) => h.name);
    if (missing.length) {
      throw new Error(
        `haproxy backend ${this.backend} has no server named ${missing.join(', ')} (servers: ${[...names].join(', ')}); set each host's name to its server name`,
      );
    }
    return rows
      .filter((r) => hosts.some((h) => h.name === r.svname) && !isHealthy(r))
      .map((r) => `haproxy shows ${r.svname} as ${r.status} before the rollout`);
  }

  private async adminStates(): Promise<Map<string, number>> {
    return parseServersState(await this.api(`show servers state ${this.backend}`));
  }

  async notInService(hosts: SshTarget[]): Promise<Map<string, OutOfService>> {
    const [admin, rows] = [await this.adminStates(), await this.rows()];
    const out = new Map<string, OutOfService>();
    for (const host of hosts) {
      const bits = admin.get(host.name) ?? 0;
      const status = rows.find((r) => r.svname === host.name)?.status ?? '';
      const where = `in haproxy backend ${this.backend} (status ${status || 'unknown'})`;
      if (bits & ADMIN_MAINT || status.startsWith('MAINT')) out.set(host.name, { state: 'maint', text: `in MAINT ${where}` });
      else if (bits & ADMIN_DRAIN || status.startsWith('DRAIN')) out.set(host.name, { state: 'drain', text: `in DRAIN ${where}` });
    }
    return out;
  }

  async operatorMaintenance(host: SshTarget): Promise<string | null> {
    return ((await this.adminStates()).get(host.name) ?? 0) & ADMIN_MAINT ? `in MAINT in haproxy backend ${this.backend}` : null;
  }

  async healthyOthers(host: SshTarget): Promise<number> {
    return (await this.rows()).filter((r) => r.svname !== host.name && isHealthy(r)).length;
  }

  drain(host: SshTarget, beforeSend?: BeforeSend): Promise<void> {
    return this.set(`set server ${this.backend}/${host.name} state drain`, beforeSend);
  }

  undrain(host: SshTarget): Promise<void> {
    return this.set(`set server ${this.backend}/${host.name} state ready`);
  }

  /**
   * The return and the first look at its effect in one exchange: HAProxy runs `;`-separated
   * commands in order, so `set server … state ready` is answered (nothing, or its refusal) and
   * then the backend's rows. Undefined when the rows do not show the host (a frontend of the
   * same name shadows the scoped `show stat`): the caller then asks isUp.
   */
  async undrainAndCheck(host: SshTarget): Promise<boolean | undefined> {
    const set = `set server ${this.backend}/${host.name} state ready`;
    const answer = await this.api(`${set}; show stat ${this.backend} 4 -1`);
    const at = answer.search(/^# /m);
    const refusal = (at < 0 ? answer.replace(/^No such proxy.*$/m, '') : answer.slice(0, at)).trim();
    if (refusal !== '') throw new Error(`haproxy refused "${set}": ${refusal}`);
    const row = at < 0 ? undefined : parseShowStat(answer.slice(at)).find((r) => r.pxname === this.backend && r.svname === host.name);
    return row ? isHealthy(row) : undefined;
  }

  async inFlight(host: SshTarget): Promise<number> {
    return num(await this.row(host), 'scur');
  }

  async isUp(host: SshTarget): Promise<boolean> {
    return isHealthy(await this.row(host));
  }

  async counters(host: SshTarget): Promise<ServerCounters> {
    const row = await this.row(host);
    return {
      sessions: num(row, 'stot'),
      inFlight: num(row, 'scur'),
      responses: ['hrsp_1xx', 'hrsp_2xx', 'hrsp_3xx', 'hrsp_4xx', 'hrsp_5xx', 'hrsp_other'].reduce((n, f) => n + num(row, f), 0),
      http5xx: num(row, 'hrsp_5xx'),
      clientAborts: num(row, 'cli_abrt'),
    };
  }

  async close(): Promise<void> {
    this.session?.close();
    await this.remote.close();
  }
}
