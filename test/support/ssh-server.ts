/**
 * An in-process SSH server for transport tests (after node-ssh's `test/ssh-server.ts`): one per
 * test, on a fresh 127.0.0.1 port, closed in `finally`/afterEach. Exec requests really run, as
 * `<shell> -c <command>` on this machine, so the product's remote `timeout -k … sh -c …` wrapper
 * is exercised for real: exit statuses, signals and process-group kills are the kernel's, not a fake's.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { connect as tcpConnect, createServer, type Server as NetServer, type Socket } from 'node:net';
import ssh2, { type AuthContext, type Connection, type ParsedKey } from 'ssh2';

const { Server: SshServer, utils } = ssh2;

export interface StartOptions {
  /** Private host keys (OpenSSH PEM text), e.g. from `ssh2.utils.generateKeyPairSync`. */
  hostKeys: string[];
  /** The one client public key accepted (`ssh-ed25519 AAAA… comment`). */
  authorizedKey: string;
  /** The user name the server accepts; default `deploy`. */
  user?: string;
  /**
   * The login shell that runs exec requests. `sh` is dash on Debian, which forks the last command;
   * `bash` execs it, so a signal that kills the command kills the session's process and the server
   * reports exit-signal, as OpenSSH does on hosts whose login shell is bash.
   */
  shell?: 'sh' | 'bash';
  /** Working directory of exec'd commands (the "home directory"). */
  cwd?: string;
  /** Called with each exec request's command line, before it runs. */
  onExec?: (command: string) => void;
  /** Listen on this port (e.g. a closed server's, to stand in for it with another key); default: a fresh one. */
  port?: number;
  /**
   * Act as a jump host: accept direct-tcpip channels (what `ssh -J` and ssh2's forwardOut open)
   * to destinations this returns true for, and connect them over real TCP, as sshd with
   * AllowTcpForwarding and PermitOpen does. Absent: every such channel is refused.
   */
  permitOpen?: (host: string, port: number) => boolean;
}

export interface TestSshServer {
  port: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Exec command lines received, in order. */
  readonly execs: readonly string[];
  /** Destinations of direct-tcpip channels asked for (`host:port`), in order, refused ones too. */
  readonly forwards: readonly string[];
  /** SSH_MSG_IGNORE packets received from clients so far (ssh2's own debug line for each). */
  readonly ignores: number;
  /** known_hosts lines (`[host]:port type base64`) for every host key, in the order given. */
  hostKeyLines(host?: string): string[];
  /** Destroys every live TCP socket on the server side, as a crashed host or a reset would. */
  dropConnections(): void;
  /** Starts a key re-exchange on every authenticated connection (as sshd's RekeyLimit does); resolves when all are done. */
  rekey(): Promise<void>;
  /** Stops reading from every live socket without closing it, as a silent partition would. */
  freezeConnections(): void;
  /** Stops listening, drops live sockets and kills whatever exec'd commands still run. */
  close(): Promise<void>;
}

function parse(text: string): ParsedKey {
  const parsed = utils.parseKey(text);
  if (parsed instanceof Error) throw parsed;
  return Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
}

/** Every descendant of `root`, read from `ps`; used to clean up only what this server started. */
function descendants(root: number): number[] {
  let table: string;
  try {
    table = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const line of table.split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (!pid || ppid === undefined) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function killTree(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  for (const pid of [child.pid, ...descendants(child.pid)]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Connects a direct-tcpip channel to host:port over TCP once the connection stands; refuses it if it cannot. */
function forward(accept: () => ssh2.ServerChannel, reject: () => void, host: string, port: number, sockets: Set<Socket>): void {
  const upstream = tcpConnect({ host, port, noDelay: true });
  sockets.add(upstream);
  upstream.on('close', () => sockets.delete(upstream));
  upstream.once('error', () => reject());
  upstream.once('connect', () => {
    const channel = accept();
    channel.on('error', () => {});
    upstream.on('error', () => channel.destroy());
    upstream.pipe(channel).pipe(upstream);
  });
}

/**
 * A command's stdout and stderr written to its channel one chunk at a time, in the order they came,
 * each stream paused while its chunk waits. ssh2's server (1.17) resumes only one of a channel's
 * two streams when the client opens its window again: with a stdout chunk and a stderr chunk both
 * waiting, the stderr one was never sent (the shell session's stderr end marker went missing after
 * 8 MB of stdout, about 1 run in 50 on a busy machine). With one chunk waiting at a time, the
 * window it waits for always resumes it. Once the channel is gone, output is dropped, as sshd does.
 */
class OrderedOutput {
  private queue: Promise<void> = Promise.resolve();
  private gone = false;
  private release: (() => void) | undefined;

  constructor(private readonly channel: ssh2.ServerChannel) {
    channel.on('close', () => {
      this.gone = true;
      this.release?.();
    });
  }

  /** Sends what `source` prints to `target` (the channel, or its stderr), in turn with the other stream. */
  from(source: NodeJS.ReadableStream, target: NodeJS.WritableStream): void {
    source.on('data', (chunk: Buffer) => {
      source.pause();
      this.then(() => this.write(target, chunk)).then(() => source.resume());
    });
  }

  /** Runs `step` after everything queued so far has been written; a failed step is ignored. */
  then(step: () => unknown): Promise<void> {
    this.queue = this.queue.then(step).then(
      () => undefined,
      () => undefined,
    );
    return this.queue;
  }

  private write(target: NodeJS.WritableStream, chunk: Buffer): Promise<void> {
    if (this.gone || !this.channel.writable) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.release = resolve;
      target.write(chunk, () => resolve());
    });
  }
}

/** Starts a server on a fresh 127.0.0.1 port. */
export async function startSshServer(options: StartOptions): Promise<TestSshServer> {
  const user = options.user ?? 'deploy';
  const shell = options.shell ?? 'sh';
  const allowed = parse(options.authorizedKey);
  const hostPublic = options.hostKeys.map((k) => parse(k));
  const sockets = new Set<Socket>();
  const authenticated = new Set<Connection>();
  const children = new Set<ChildProcess>();
  const execs: string[] = [];
  const forwards: string[] = [];
  let connections = 0;
  let ignores = 0;
  const debug = (line: string): void => {
    if (line.endsWith('Inbound: Received IGNORE')) ignores += 1;
  };

  const ssh = new SshServer({ hostKeys: options.hostKeys, debug }, (client: Connection) => {
    // A dropped socket surfaces as 'error' on the server side too; it must not crash the test.
    client.on('error', () => {});
    client.on('authentication', (ctx: AuthContext) => {
      if (ctx.method !== 'publickey' || ctx.username !== user) return ctx.reject(['publickey']);
      if (ctx.key.algo !== allowed.type || !ctx.key.data.equals(allowed.getPublicSSH())) return ctx.reject(['publickey']);
      // Without a signature the client only asks whether the key would do.
      if (ctx.signature && ctx.blob && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey']);
      ctx.accept();
    });
    client.on('ready', () => {
      authenticated.add(client);
      client.on('close', () => authenticated.delete(client));
      client.on('tcpip', (accept, reject, info) => {
        forwards.push(`${info.destIP}:${info.destPort}`);
        if (!options.permitOpen?.(info.destIP, info.destPort)) return reject();
        forward(accept, reject, info.destIP, info.destPort, sockets);
      });
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('exec', (accept, _reject, info) => {
          const channel = accept();
          channel.on('error', () => {});
          execs.push(info.command);
          options.onExec?.(info.command);
          const child = spawn(shell, ['-c', info.command], { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
          children.add(child);
          // The channel's data is the command's stdin, as sshd does (a long-lived `sh` reads it).
          channel.on('data', (chunk: Buffer) => child.stdin?.writable && child.stdin.write(chunk));
          channel.on('end', () => child.stdin?.end());
          child.stdin?.on('error', () => {});
          const output = new OrderedOutput(channel);
          if (child.stdout) output.from(child.stdout, channel);
          if (child.stderr) output.from(child.stderr, channel.stderr);
          child.on('error', (err) => output.then(() => channel.writable && channel.stderr.write(`spawn failed: ${err.message}\n`)));
          child.on('close', (code, signal) => {
            children.delete(child);
            output.then(() => {
              if (code !== null) channel.exit(code);
              else channel.exit(signal ?? 'KILL', false, '');
              channel.end();
            });
          });
        });
      });
    });
  });

  const tcp: NetServer = createServer({ noDelay: true }, (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    ssh.injectSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = tcp.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  const port = address.port;

  return {
    port,
    get connections() {
      return connections;
    },
    execs,
    forwards,
    get ignores() {
      return ignores;
    },
    hostKeyLines(host = '127.0.0.1') {
      const where = port === 22 ? host : `[${host}]:${port}`;
      return hostPublic.map((k) => `${where} ${k.type} ${k.getPublicSSH().toString('base64')}`);
    },
    async rekey() {
      await Promise.all([...authenticated].map((c) => new Promise<void>((resolve) => c.rekey(resolve))));
    },
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    freezeConnections() {
      for (const socket of sockets) socket.pause();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      for (const child of children) killTree(child);
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}
