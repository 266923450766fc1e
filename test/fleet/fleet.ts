// Test-side wrapper of test/fleet/fleet.sh: bring the real fleet up/down/reset, run commands on
// hosts, set fault knobs, talk to HAProxy's runtime API and run wrk through the load balancer.
// Node builtins only. The fleet needs root on Linux: gate suites with isRootLinux().
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FLEET_SH = join(dirname(fileURLToPath(import.meta.url)), 'fleet.sh');
export const STATE_DIR = '/run/zdr-fleet';
export const FLEET_JSON = join(STATE_DIR, 'fleet.json');

export interface FleetHost {
  name: string; // web-1 .. web-N, also the server name in HAProxy
  address: string; // 10.77.0.(10+i)
  port: number; // ssh port (22)
  machine: string; // zdr-web-i
  leaderPid: number; // the container's systemd, as seen from the machine
  netns: string; // zdr-web-i
}

export interface Fleet {
  stateDir: string;
  privateKeyPath: string;
  knownHostsPath: string;
  hosts: FleetHost[];
  lb: {
    sshHost: string;
    sshPort: number;
    haproxySocket: string;
    backend: string;
    url: string;
    sockBackend: string;
    sockUrl: string;
    /** HAProxy's built-in Prometheus exporter. */
    metricsUrl: string;
  };
  nginxLb: {
    name: string;
    address: string;
    port: number;
    url: string;
    upstreamConf: string;
    leaderPid: number;
  } | null;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type FaultKnob =
  | 'break-config'
  | 'stage-500'
  | 'stage-500-10'
  | 'stage-reset'
  | 'app-500'
  | 'app-slow-ready'
  | 'app-never-ready'
  | 'app-fail-start'
  | 'stop-sshd'
  | 'change-host-key'
  | 'no-reload'
  | 'short-stop-timeout'
  | 'restart-storm';

/** The command that undoes `stage-500` / `stage-reset` / `break-config` on a host. */
export const NGINX_ROLLBACK_COMMAND = 'cp /etc/nginx/zdr/good.conf /etc/nginx/sites-enabled/default && systemctl reload nginx';

function run(args: string[], opts: { timeoutMs?: number; input?: string } = {}): ExecResult {
  const r = spawnSync(FLEET_SH, args, {
    encoding: 'utf8',
    input: opts.input ?? '',
    timeout: opts.timeoutMs ?? 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? (r.signal ? 128 : 1), stdout: r.stdout, stderr: r.stderr };
}

function runOrThrow(args: string[], timeoutMs?: number): ExecResult {
  const r = run(args, { timeoutMs });
  if (r.code !== 0) {
    throw new Error(`fleet.sh ${args.join(' ')} exited ${r.code}\n${r.stderr.slice(-4000)}`);
  }
  return r;
}

export interface UpOptions {
  /** Boot the nginx load-balancer container lb-1 (default true). */
  nginxLb?: boolean;
  /** Tear down and rebuild even if a matching fleet is already up (default false: reuse + reset). */
  fresh?: boolean;
}

/** Bring up N hosts (idempotent: an identical running fleet is just reset). */
export function fleetUp(n = 3, opts: UpOptions = {}): Fleet {
  const args = ['up', '--hosts', String(n)];
  if (opts.nginxLb === false) args.push('--no-nginx-lb');
  if (opts.fresh) args.push('--fresh');
  runOrThrow(args, 900_000); // a cold image build takes ~2 min
  return readFleet();
}

export function fleetDown(): void {
  runOrThrow(['down'], 120_000);
}

/** Every host back to baseline; returns when HAProxy sees all servers UP. */
export function fleetReset(): void {
  runOrThrow(['reset'], 180_000);
}

export function readFleet(): Fleet {
  if (!existsSync(FLEET_JSON)) throw new Error(`${FLEET_JSON} not found: is the fleet up?`);
  return JSON.parse(readFileSync(FLEET_JSON, 'utf8')) as Fleet;
}

/** Run a shell command inside a host (web-i or lb-1), as root, via nsenter. */
export function hostExec(hostName: string, cmd: string, timeoutMs = 120_000): ExecResult {
  return run(['exec', hostName, '--', 'bash', '-c', cmd], { timeoutMs });
}

/** Set a fault knob on a web host (see README.md). Throws when the knob could not be set. */
export function fault(host: string, knob: FaultKnob, ...args: Array<string | number>): void {
  runOrThrow(['fault', host, knob, ...args.map(String)], 60_000);
}

/** One command on HAProxy's runtime API (admin level); returns its output. */
export function haproxy(cmd: string, socketPath = join(STATE_DIR, 'haproxy.sock')): string {
  const r = spawnSync('socat', ['-t', '5', 'stdio', `UNIX-CONNECT:${socketPath}`], {
    input: cmd.endsWith('\n') ? cmd : `${cmd}\n`,
    encoding: 'utf8',
    timeout: 15_000,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`socat to ${socketPath} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Parse `show stat` CSV into one record per line, keyed by column name. */
export function parseShowStat(csv: string): Array<Record<string, string>> {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = lines.find((l) => l.startsWith('# '));
  if (!header) throw new Error(`not a "show stat" output: ${csv.slice(0, 200)}`);
  const cols = header.slice(2).split(',');
  return lines
    .filter((l) => !l.startsWith('#'))
    .map((l) => {
      const cells = l.split(',');
      const row: Record<string, string> = {};
      cols.forEach((c, i) => {
        if (c !== '') row[c] = cells[i] ?? '';
      });
      return row;
    });
}

export interface ServerState {
  /** UP, DOWN, DRAIN, MAINT, NOLB, "UP 1/2" (going down), "DOWN 1/2" (going up), ... */
  status: string;
  /** current sessions (in-flight requests on this server) */
  scur: number;
  stot: number;
  weight: number;
  checkStatus: string;
  hrsp5xx: number;
  /** response errors (e.g. server closed without a response) */
  eresp: number;
  /** connection errors */
  econ: number;
  /** transfers aborted by the server / the client */
  srvAbrt: number;
  cliAbrt: number;
  /** retries / redispatches */
  wretr: number;
  wredis: number;
}

const num = (s: string | undefined): number => (s === undefined || s === '' ? 0 : Number(s));

/** Per-server state of a backend (default: the fleet's `web`), keyed by server name (web-1 ...). */
export function serverStates(backend = 'web'): Record<string, ServerState> {
  const out: Record<string, ServerState> = {};
  for (const row of parseShowStat(haproxy('show stat'))) {
    if (row.pxname !== backend || row.svname === undefined || row.svname === 'BACKEND' || row.svname === 'FRONTEND') continue;
    out[row.svname] = {
      status: row.status ?? '',
      scur: num(row.scur),
      stot: num(row.stot),
      weight: num(row.weight),
      checkStatus: row.check_status ?? '',
      hrsp5xx: num(row.hrsp_5xx),
      eresp: num(row.eresp),
      econ: num(row.econ),
      srvAbrt: num(row.srv_abrt),
      cliAbrt: num(row.cli_abrt),
      wretr: num(row.wretr),
      wredis: num(row.wredis),
    };
  }
  return out;
}

/** ssh to a fleet target with the fleet's key and strict host-key checking (system ssh client). */
export function sshExec(target: { address: string; port?: number }, cmd: string, user = 'root', timeoutMs = 60_000): ExecResult {
  const f = readFleet();
  const r = spawnSync(
    'ssh',
    [
      '-i',
      f.privateKeyPath,
      '-o',
      `UserKnownHostsFile=${f.knownHostsPath}`,
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=5',
      '-p',
      String(target.port ?? 22),
      `${user}@${target.address}`,
      cmd,
    ],
    { encoding: 'utf8', timeout: timeoutMs, input: '' },
  );
  if (r.error) throw r.error;
  return { code: r.status ?? 255, stdout: r.stdout, stderr: r.stderr };
}

export interface WrkOptions {
  url: string;
  seconds: number;
  connections: number;
  threads?: number;
  /** wrk --timeout in seconds (default 5): a request slower than this counts as a timeout error */
  timeoutSeconds?: number;
  /** Each request on a connection of its own (`Connection: close`) instead of keep-alive. */
  connectionPerRequest?: boolean;
}

export interface WrkResult {
  requests: number;
  /** "Non-2xx or 3xx responses" */
  non2xx: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  /** non2xx + all socket errors: every client-visible failure */
  failed: number;
  durationSeconds: number;
  requestsPerSecond: number;
  raw: string;
}

/** Parse wrk's text output. "Non-2xx" and "Socket errors" lines only appear when non-zero. */
export function parseWrk(raw: string): WrkResult {
  const m = /(\d+) requests in ([\d.]+)(us|ms|s|m|h)\b/.exec(raw);
  if (!m) throw new Error(`cannot parse wrk output:\n${raw}`);
  const unit: Record<string, number> = { us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  const non2xx = Number(/Non-2xx or 3xx responses:\s*(\d+)/.exec(raw)?.[1] ?? 0);
  const se = /Socket errors:\s*connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(raw);
  const socketErrors = {
    connect: Number(se?.[1] ?? 0),
    read: Number(se?.[2] ?? 0),
    write: Number(se?.[3] ?? 0),
    timeout: Number(se?.[4] ?? 0),
  };
  return {
    requests: Number(m[1]),
    non2xx,
    socketErrors,
    failed: non2xx + socketErrors.connect + socketErrors.read + socketErrors.write + socketErrors.timeout,
    durationSeconds: Number(m[2]) * (unit[m[3] ?? 's'] ?? 1),
    requestsPerSecond: Number(/Requests\/sec:\s*([\d.]+)/.exec(raw)?.[1] ?? 0),
    raw,
  };
}

/**
 * Start wrk in the background; `done` resolves with the parsed result when it finishes. `stop()`
 * ends it early with SIGINT, on which wrk stops and still prints its tally.
 */
export function startWrk(opts: WrkOptions): { done: Promise<WrkResult>; child: ChildProcess; stop: () => Promise<WrkResult> } {
  const args = [
    `-t${opts.threads ?? 2}`,
    `-c${opts.connections}`,
    `-d${opts.seconds}s`,
    '--timeout',
    `${opts.timeoutSeconds ?? 5}s`,
    ...(opts.connectionPerRequest ? ['-H', 'Connection: close'] : []),
    opts.url,
  ];
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const done = new Promise<WrkResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`wrk ${args.join(' ')} exited ${code}: ${err}${out}`));
        return;
      }
      try {
        resolve(parseWrk(out));
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
  const stop = (): Promise<WrkResult> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    return done;
  };
  return { done, child, stop };
}

const REQUIRED_TOOLS = ['systemd-nspawn', 'debootstrap', 'haproxy', 'wrk', 'socat', 'sshd', 'ssh', 'nsenter', 'zstd', 'curl'];

function missingTools(): string[] {
  const r = spawnSync(
    'bash',
    [
      '-c',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; for c in "$@"; do command -v "$c" >/dev/null || echo "$c"; done',
      '_',
      ...REQUIRED_TOOLS,
    ],
    { encoding: 'utf8' },
  );
  return r.stdout.split('\n').filter((s) => s !== '');
}

/**
 * Can the real fleet run here? Root on Linux, the tools (installed on demand via
 * `fleet.sh deps`), cgroups nspawn can use, overlayfs. Set ZDR_FLEET=0 to skip on purpose.
 */
export function isRootLinux(): { ok: boolean; why?: string } {
  if (process.env.ZDR_FLEET === '0') return { ok: false, why: 'disabled by ZDR_FLEET=0' };
  if (process.platform !== 'linux') return { ok: false, why: `platform is ${process.platform}, not linux` };
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return { ok: false, why: 'not running as root (the fleet needs nspawn, netns, mounts)' };
  }
  if (!existsSync(FLEET_SH)) return { ok: false, why: `${FLEET_SH} missing` };
  let missing = missingTools();
  if (missing.length > 0) {
    const r = run(['deps'], { timeoutMs: 600_000 });
    missing = missingTools();
    if (missing.length > 0) {
      return {
        ok: false,
        why: `missing ${missing.join(', ')} after install attempt (fleet.sh deps exited ${r.code}: ${r.stderr.slice(-500)})`,
      };
    }
  }
  const hybrid = existsSync('/sys/fs/cgroup/systemd/cgroup.procs');
  const unified = existsSync('/sys/fs/cgroup/cgroup.controllers');
  if (!hybrid && !unified) return { ok: false, why: 'no usable cgroup hierarchy (/sys/fs/cgroup/systemd or cgroup2)' };
  try {
    if (!/\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8'))) {
      // overlay may be a module that is not loaded yet; mount(8) loads it on demand
      if (!existsSync('/lib/modules') && !existsSync('/sys/module/overlay')) {
        return { ok: false, why: 'overlayfs not available' };
      }
    }
  } catch {
    return { ok: false, why: 'cannot read /proc/filesystems' };
  }
  return { ok: true };
}

/** A GET with curl: resolves with its HTTP status (`000` when there was none) and when it ended. */
export function curlStatus(url: string, maxTimeS: number): Promise<{ status: string; endedAt: number }> {
  return new Promise((resolve) => {
    const child = spawn('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', String(maxTimeS), url]);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', () => resolve({ status: out, endedAt: Date.now() }));
  });
}

/** A GET through the load balancer that a server holds for `ms` (it keeps a drain waiting); its status. */
export async function heldRequest(ms: number): Promise<string> {
  return (await curlStatus(`${readFleet().lb.url}sleep?ms=${ms}`, 120)).status;
}
