/**
 * The HAProxy adapter against a fake runtime API session that answers as HAProxy 2.6 does
 * (`show stat [<proxy> <type> <sid>]`, interactive prompt). What matters here is what is asked:
 * only the backend's servers, never the whole `show stat` of a load balancer with thousands.
 */
import { describe, expect, it } from 'vitest';
import { HaproxyLb } from '../../src/lb/haproxy';
import { RemoteHost } from '../../src/remote/remote-host';
import type { ExecResult, CommandStream, Connection } from '../../src/transport/connection';
import type { SshTarget } from '../../src/transport/target';

const HEADER = '# pxname,svname,scur,stot,status,hrsp_5xx,type,iid,sid';

/** A load balancer with the backend under test and a large other one. */
const ROWS = [
  'app,FRONTEND,0,0,OPEN,0,0,2,0',
  'app,web-1,3,10,UP,1,2,3,1',
  'app,web-2,0,12,UP,0,2,3,2',
  'app,BACKEND,3,22,UP,1,1,3,0',
  'twin,FRONTEND,0,0,OPEN,0,0,5,0',
  'twin,web-1,0,4,UP,0,2,6,1',
  ...Array.from({ length: 2000 }, (_, i) => `big,srv-${i},0,0,UP,0,2,4,${i + 1}`),
];
// HAProxy 2.6 finds a proxy by name without minding its kind: `twin` names the frontend (5), whose
// servers are none; the backend `twin` is proxy 6.
const IID: Record<string, string> = { app: '3', big: '4', twin: '5' };
const TYPE_BIT: Record<string, number> = { '0': 1, '1': 2, '2': 4 };

/** HAProxy's answer to one runtime API command line. */
function answer(command: string): string {
  const words = command.trim().split(/\s+/);
  if (words[0] === 'set' && words[1] === 'server') return '\n';
  if (words[0] !== 'show' || words[1] !== 'stat') return `Unknown command: ${command}\n`;
  if (words.length === 2) return `${[HEADER, ...ROWS].join('\n')}\n\n`;
  const [proxy = '', type = '', sid = ''] = words.slice(2);
  const iid = /^-?\d+$/.test(proxy) ? proxy : IID[proxy];
  if (iid === undefined) return 'No such proxy.\n\n';
  const rows = ROWS.filter((line) => {
    const f = line.split(',');
    return (
      (iid === '-1' || f[7] === iid) &&
      (type === '-1' || (Number(type) & (TYPE_BIT[f[6] as string] ?? 0)) !== 0) &&
      (sid === '-1' || f[8] === sid)
    );
  });
  return `${[HEADER, ...rows].join('\n')}\n\n`;
}

/** The socat session of the runtime API in prompt mode: each answer ends with "\n> ". */
class FakeApiSession implements CommandStream {
  open = true;
  private out = '';
  constructor(private readonly sent: string[]) {}
  write(text: string): void {
    for (const line of text.split('\n').filter(Boolean)) {
      this.sent.push(line);
      this.out += line === 'prompt' ? '\n> ' : `${answer(line)}> `;
    }
  }
  async readUntil(delimiter: string): Promise<string> {
    const at = this.out.indexOf(delimiter);
    if (at < 0) throw new Error('the session ended');
    const text = this.out.slice(0, at);
    this.out = this.out.slice(at + delimiter.length);
    return text;
  }
  close(): void {
    this.open = false;
  }
}

/** A session that ends before the answer to a `set` comes (HAProxy reloading): the question may have been applied. */
class LosingSession extends FakeApiSession {
  private armed = false;
  override write(text: string): void {
    super.write(text);
    if (text.startsWith('set ')) this.armed = true;
  }
  override async readUntil(delimiter: string): Promise<string> {
    if (!this.armed) return super.readUntil(delimiter);
    this.close();
    throw new Error('the session ended');
  }
}

class FakeLbShell implements Connection {
  readonly target: SshTarget = { host: 'lb1', port: 22, user: 'root', name: 'load balancer' };
  readonly sent: string[] = [];
  async exec(): Promise<ExecResult> {
    throw new Error('not used: the adapter keeps a session');
  }
  async stream(): Promise<CommandStream> {
    return new FakeApiSession(this.sent);
  }
  async close(): Promise<void> {}
}

const host = (name: string): SshTarget => ({ host: `${name}.internal`, port: 22, user: 'root', name });

function adapter(backend = 'app'): { lb: HaproxyLb; shell: FakeLbShell } {
  const shell = new FakeLbShell();
  return { lb: new HaproxyLb(new RemoteHost(shell, false), '/run/haproxy/admin.sock', backend, 5000), shell };
}

describe('HaproxyLb reads only its backend', () => {
  it('asks show stat for the servers of the backend by name, never the whole table', async () => {
    const { lb, shell } = adapter();
    expect(await lb.preflight([host('web-1'), host('web-2')])).toEqual([]);
    expect(await lb.inFlight(host('web-1'))).toBe(3);
    expect(await lb.isUp(host('web-2'))).toBe(true);
    expect(await lb.healthyOthers(host('web-1'))).toBe(1);
    expect((await lb.counters(host('web-1'))).http5xx).toBe(1);
    const stats = shell.sent.filter((c) => c.startsWith('show stat'));
    expect(stats).toHaveLength(5);
    expect(new Set(stats)).toEqual(new Set(['show stat app 4 -1']));
  });

  it('says there is no such backend when HAProxy answers "No such proxy."', async () => {
    const { lb } = adapter('nosuch');
    await expect(lb.preflight([host('web-1')])).rejects.toThrow('haproxy has no backend named nosuch');
  });

  it('reads the whole table only when a frontend of the same name shadows the backend', async () => {
    const { lb, shell } = adapter('twin');
    expect(await lb.preflight([host('web-1')])).toEqual([]);
    expect(shell.sent.filter((c) => c.startsWith('show stat'))).toEqual(['show stat twin 4 -1', 'show stat']);
  });

  it('names the servers of the backend when a host is not among them', async () => {
    const { lb } = adapter();
    await expect(lb.preflight([host('web-3')])).rejects.toThrow(/no server named web-3 \(servers: web-1, web-2\)/);
  });
});

/** A load balancer host whose sshd forwards to the admin socket (streamlocal), or refuses to. */
class FakeSocketHost extends FakeLbShell {
  readonly sockets: string[] = [];
  streams = 0;
  /** Opens that fail as a socket that is not there does (HAProxy restarting): RFC 4254 reason 2. */
  gone = 0;
  constructor(private readonly forwards: boolean) {
    super();
  }
  override async stream(): Promise<CommandStream> {
    this.streams += 1;
    return super.stream();
  }
  /** Runs as a session is opened. */
  onOpen?: () => void;
  /** Sessions to open whose prompt fails with host text that reads like a refusal. */
  badPrompt = 0;
  /** Sessions to open that lose the answer to a `set`. */
  losing = 0;
  async openSocket(path: string): Promise<CommandStream> {
    this.sockets.push(path);
    this.onOpen?.();
    if (this.badPrompt > 0 && this.forwards) {
      this.badPrompt -= 1;
      return new EndedSession('the session ended (its stderr: no socket channels, strictVendor)');
    }
    if (this.losing > 0 && this.forwards) {
      this.losing -= 1;
      return new LosingSession(this.sent);
    }
    if (!this.forwards) throw Object.assign(new Error('(SSH) Channel open failure: open failed'), { reason: 1 });
    if (this.gone > 0) {
      this.gone -= 1;
      throw Object.assign(new Error('(SSH) Channel open failure: open failed'), { reason: 2 });
    }
    return new FakeApiSession(this.sent);
  }
}

/** A session that ends before it answers, with `message` (what the host's side said) as its error. */
class EndedSession implements CommandStream {
  readonly open = false;
  constructor(private readonly message: string) {}
  write(): void {}
  readUntil(): Promise<string> {
    return Promise.reject(new Error(this.message));
  }
  close(): void {}
}

describe('HaproxyLb reaches the runtime API', () => {
  it('straight over the SSH connection where sshd forwards to the socket: no login shell, no socat', async () => {
    const shell = new FakeSocketHost(true);
    const lb = new HaproxyLb(new RemoteHost(shell, false), '/run/haproxy/admin.sock', 'app', 5000);
    expect(await lb.preflight([host('web-1')])).toEqual([]);
    expect(await lb.isUp(host('web-2'))).toBe(true);
    expect(shell.sockets).toEqual(['/run/haproxy/admin.sock']);
    expect(shell.streams).toBe(0);
    expect(shell.sent[0]).toBe('prompt');
  });

  it('through socat when sshd refuses the forward, and does not ask for the forward again', async () => {
    const shell = new FakeSocketHost(false);
    const lb = new HaproxyLb(new RemoteHost(shell, false), '/run/haproxy/admin.sock', 'app', 5000);
    expect(await lb.preflight([host('web-1')])).toEqual([]);
    expect(await lb.isUp(host('web-2'))).toBe(true);
    expect(shell.sockets).toHaveLength(1);
    expect(shell.streams).toBe(1);
  });

  it('a socket that is briefly gone fails that question only: the next goes straight to the socket again, never to socat', async () => {
    const shell = new FakeSocketHost(true);
    const lb = new HaproxyLb(new RemoteHost(shell, false), '/run/haproxy/admin.sock', 'app', 5000);
    expect(await lb.preflight([host('web-1')])).toEqual([]);
    (lb as unknown as { session?: CommandStream }).session?.close();
    shell.gone = 2;
    await expect(lb.isUp(host('web-2'))).rejects.toThrow(
      /runtime API at \/run\/haproxy\/admin.sock did not answer over SSH: .*open failed/,
    );
    expect(await lb.isUp(host('web-2'))).toBe(true);
    expect(shell.streams).toBe(0);
  });

  it('a socket channel that opened and then failed is no refusal, whatever its text says: never socat for it', async () => {
    const shell = new FakeSocketHost(true);
    const lb = new HaproxyLb(new RemoteHost(shell, false), '/run/haproxy/admin.sock', 'app', 5000);
    shell.badPrompt = 1;
    await lb.preflight([host('web-1')]).catch(() => undefined);
    expect(await lb.isUp(host('web-2'))).toBe(true);
    expect(shell.sockets.length).toBeGreaterThanOrEqual(2);
    expect(shell.streams).toBe(0);
  });
});

describe('HaproxyLb asks beforeSend right before a drain is written', () => {
  const lbOn = (shell: FakeSocketHost): HaproxyLb => new HaproxyLb(new RemoteHost(shell, false), '/run/haproxy/admin.sock', 'app', 5000);

  it('what it throws keeps the drain unsent, as thrown: no second try, no socat, and the session serves the next question', async () => {
    const shell = new FakeSocketHost(true);
    const lb = lbOn(shell);
    await lb.preflight([host('web-1')]);
    const sentBefore = shell.sent.length;
    const refusal = new Error('not sent: held back');
    await expect(
      lb.drain(host('web-1'), () => {
        throw refusal;
      }),
    ).rejects.toBe(refusal);
    expect(shell.sent.slice(sentBefore)).toEqual([]);
    expect([shell.sockets.length, shell.streams]).toEqual([1, 0]);
    await lb.drain(host('web-1'), () => {});
    expect(shell.sent.slice(sentBefore)).toEqual(['set server app/web-1 state drain']);
  });

  it('once the question before it was answered', async () => {
    const shell = new FakeSocketHost(true);
    const lb = lbOn(shell);
    await lb.preflight([host('web-1')]);
    let last: string | undefined;
    await Promise.all([lb.inFlight(host('web-2')), lb.drain(host('web-1'), () => void (last = shell.sent.at(-1)))]);
    expect(last).toBe('show stat app 4 -1');
  });

  it('after its session was opened again (which may connect again): what happened meanwhile counts', async () => {
    const shell = new FakeSocketHost(true);
    const lb = lbOn(shell);
    await lb.preflight([host('web-1')]);
    (lb as unknown as { session?: CommandStream }).session?.close();
    // As a regain that starts while the session opens would: the lock is not renewed on the connection now.
    let renewed = true;
    shell.onOpen = () => void (renewed = false);
    const refusal = new Error('not sent: not renewed');
    const sentBefore = shell.sent.length;
    await expect(
      lb.drain(host('web-1'), () => {
        if (!renewed) throw refusal;
      }),
    ).rejects.toBe(refusal);
    expect(shell.sockets).toHaveLength(2);
    expect(shell.sent.slice(sentBefore)).toEqual(['prompt']);
  });

  it('a drain whose answer was lost is checked again before the second try writes it', async () => {
    const shell = new FakeSocketHost(true);
    const lb = lbOn(shell);
    await lb.preflight([host('web-1')]);
    (lb as unknown as { session?: CommandStream }).session?.close();
    shell.losing = 1;
    let checks = 0;
    await lb.drain(host('web-1'), () => void (checks += 1));
    expect(checks).toBe(2);
    expect(shell.sent.filter((l) => l.startsWith('set '))).toEqual([
      'set server app/web-1 state drain',
      'set server app/web-1 state drain',
    ]);
  });
});
