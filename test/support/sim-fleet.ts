/**
 * Simulated hosts for the scale simulation (issue 14): N ssh2 servers on 127.0.0.1, one port each,
 * that answer the rollout's remote commands the way the unit tests' FakeShell does (fakes.ts: each
 * command is known by its kind, `$0 zdr.KIND`), over real SSH: key exchange, public-key auth,
 * channels, and the product's long-lived `exec env LC_ALL=C sh` session protocol (remote/persistent-shell.ts).
 *
 * What it simulates: the SSH side of every host (handshake, auth, one channel per command or the
 * long-lived shell), a unit that reloads (nginx), locks that are free, and a change that takes
 * `waitMs` on the host (the one per-host wait). What it leaves out: real systemd, nginx, HAProxy,
 * flock, timeout and shells (nothing is executed: answers are computed), network latency (loopback),
 * a load balancer, traffic and the error check.
 *
 * Run it as its own process, so that its memory and CPU are not the action's:
 *   npx tsx test/support/sim-fleet.ts --hosts N --wait-ms W --host-key FILE --authorized-key FILE
 * It prints one line `{"ports":[…],"hostKey":"ssh-ed25519 AAAA…"}` when every server listens, then
 * answers `stats` (connections accepted, open now, the most open at once; commands by kind) and
 * `reset` (zeroes them), one JSON line per request on stdin. It ends when stdin closes.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { AuthContext, Connection as SshClient, ParsedKey, ServerChannel } from 'ssh2';
import type { ExecResult } from '../../src/transport/connection';
import { FakeHost, FakeShell } from './fakes';
import { parseExecLine } from './exec-line';
import { target } from './scripted-shell';
import { LONG_LIVED_SHELL } from '../../src/remote/persistent-shell';

// ssh2's index itself: this file runs under tsx, which follows tsconfig `paths`, and there 'ssh2' is
// the bundle's stand-in (src/bundle/ssh2-client.ts), which has no Server.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ssh2 = require('ssh2/lib/index.js') as typeof import('ssh2');

const { Server, utils } = ssh2;

/** Command kinds that change the host: these take the simulated per-host wait. */
const CHANGES = new Set(['nginx-reload', 'systemctl-reload', 'systemctl-restart', 'systemctl-timed']);
const RS = '\u001e';
/** One command as PersistentShell writes it: `{ LINE\n} </dev/null; printf …NONCE %s… "$?"; printf …NONCE… >&2\n`. */
const SHELL_COMMAND = new RegExp(
  `^\\{ ([\\s\\S]*?)\\n\\} </dev/null; printf '${RS}([0-9a-f]+) %s${RS}' "\\$\\?"; printf '${RS}\\2${RS}' >&2\\n`,
);

export interface SimStats {
  accepted: number;
  open: number;
  peakOpen: number;
  commands: Record<string, number>;
}

function parse(text: string): ParsedKey {
  const parsed = utils.parseKey(text);
  if (parsed instanceof Error) throw parsed;
  return Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
}

class SimFleet {
  readonly stats: SimStats = { accepted: 0, open: 0, peakOpen: 0, commands: {} };

  constructor(
    private readonly waitMs: number,
    private readonly allowed: ParsedKey,
  ) {}

  /** Answers one command line as the host's FakeShell would, after the wait when it is a change. */
  async answer(shell: FakeShell, line: string): Promise<ExecResult> {
    let kind = 'unknown';
    try {
      kind = parseExecLine(line).kind;
    } catch {
      // not one of the product's lines: FakeShell answers 127
    }
    this.stats.commands[kind] = (this.stats.commands[kind] ?? 0) + 1;
    if (CHANGES.has(kind) && this.waitMs > 0) await new Promise((r) => setTimeout(r, this.waitMs));
    return shell.exec(line).catch((err: Error) => ({ code: 127, signal: null, stdout: '', stderr: err.message, durationMs: 0 }));
  }

  /** The long-lived shell: command after command from the channel, each answered with its markers. */
  longLived(channel: ServerChannel, shell: FakeShell): void {
    let pending = '';
    let queue = Promise.resolve();
    channel.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      for (let m = SHELL_COMMAND.exec(pending); m; m = SHELL_COMMAND.exec(pending)) {
        pending = pending.slice(m[0].length);
        const [line, nonce] = [m[1] as string, m[2] as string];
        queue = queue.then(async () => {
          const r = await this.answer(shell, line);
          if (!channel.writable) return;
          channel.write(`${r.stdout}${RS}${nonce} ${r.code ?? 1}${RS}`);
          channel.stderr.write(`${r.stderr}${RS}${nonce}${RS}`);
        });
      }
    });
    channel.on('end', () => void queue.then(() => channel.writable && (channel.exit(0), channel.end())));
  }

  async once(channel: ServerChannel, shell: FakeShell, line: string): Promise<void> {
    const r = await this.answer(shell, line);
    if (!channel.writable) return;
    channel.write(r.stdout);
    channel.stderr.write(r.stderr);
    channel.exit(r.code ?? 1);
    channel.end();
  }

  client(client: SshClient, shell: FakeShell): void {
    client.on('error', () => {});
    client.on('authentication', (ctx: AuthContext) => {
      const key = ctx.method === 'publickey' ? ctx.key : null;
      if (!key || ctx.username !== 'root' || key.algo !== this.allowed.type || !key.data.equals(this.allowed.getPublicSSH())) {
        return ctx.reject(['publickey']);
      }
      if (ctx.method === 'publickey' && ctx.signature && ctx.blob && this.allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) {
        return ctx.reject(['publickey']);
      }
      ctx.accept();
    });
    client.on('ready', () =>
      client.on('session', (accept) =>
        accept().on('exec', (acceptExec, _reject, info) => {
          const channel = acceptExec();
          channel.on('error', () => {});
          // `exec sh`: the session line of a bundle built before ed65a5d (--sim-bundle).
          if (info.command === LONG_LIVED_SHELL || info.command === 'exec sh') this.longLived(channel, shell);
          else void this.once(channel, shell, info.command);
        }),
      ),
    );
  }

  /** One host on a fresh port; resolves with the port. */
  listen(hostKey: string, index: number): Promise<number> {
    const host = new FakeHost(`sim-${index + 1}`);
    const shell = new FakeShell(target(host.name, '127.0.0.1'), host);
    const ssh = new Server({ hostKeys: [hostKey] }, (client) => this.client(client, shell));
    // TCP connections are counted here: the lease's promise (few open at once) is about these.
    const tcp = createServer({ noDelay: true }, (socket) => {
      this.stats.accepted += 1;
      this.stats.open += 1;
      this.stats.peakOpen = Math.max(this.stats.peakOpen, this.stats.open);
      socket.on('error', () => {});
      // Released when the client ends it (its FIN: 'end'), or when it is cut ('close' without one).
      let counted = true;
      const gone = (): void => {
        if (counted) this.stats.open -= 1;
        counted = false;
      };
      socket.on('end', gone);
      socket.on('close', gone);
      ssh.injectSocket(socket);
    });
    return new Promise((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, '127.0.0.1', () => resolve((tcp.address() as { port: number }).port));
    });
  }

  reset(): void {
    this.stats.accepted = 0;
    this.stats.peakOpen = this.stats.open;
    this.stats.commands = {};
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      hosts: { type: 'string' },
      'wait-ms': { type: 'string', default: '0' },
      'host-key': { type: 'string' },
      'authorized-key': { type: 'string' },
    },
  });
  const hostKey = readFileSync(String(values['host-key']), 'utf8');
  const fleet = new SimFleet(Number(values['wait-ms']), parse(readFileSync(String(values['authorized-key']), 'utf8')));
  const ports: number[] = [];
  for (let i = 0; i < Number(values.hosts); i++) ports.push(await fleet.listen(hostKey, i));
  const pub = parse(hostKey);
  process.stdout.write(`${JSON.stringify({ ports, hostKey: `${pub.type} ${pub.getPublicSSH().toString('base64')}` })}\n`);
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    if (line === 'reset') fleet.reset();
    process.stdout.write(`${JSON.stringify(fleet.stats)}\n`);
  });
  input.on('close', () => process.exit(0));
}

if (/sim-fleet\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  main().catch((err: unknown) => {
    process.stderr.write(`sim-fleet: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
