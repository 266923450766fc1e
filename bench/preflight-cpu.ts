/**
 * Whose CPU a preflight costs on the real fleet (issue 18: "preflight of 10 hosts ≤ 2× 3 hosts"):
 * `flock /tmp/zdr-fleet.lock npx tsx bench/preflight-cpu.ts [--runs 3] [--sizes 3,10]`.
 *
 * The fleet is brought up at the largest size, and the built action does a dry run (connect,
 * inspect, validate; strategy reload, so validate runs `nginx -t`) of the first N hosts, sizes
 * alternating run by run. Per run: preflight's wall time (as the scale part measures it), the action's
 * own CPU (its process, node's start included; bench/action-usage.mjs), and the CPU the hosts'
 * containers used meanwhile (their cgroups' usage_usec: sshd, PAM, the login shell, the commands).
 * Every container shares this machine's cores with the action, so the hosts' CPU over the core
 * count bounds preflight from below; on a real fleet each host brings its own CPU. For scale, the
 * CPU one bare SSH login costs a host (OpenSSH's client running `true` on web-1, 5 times), and the
 * transport's own floor: the product's connector opening N connections at once and running `true`
 * on a channel of each, in this warm process (no node start, no inspect, no validate), sizes
 * alternating: how preflight would scale if the action did nothing but log in. Last, one host's
 * preflight alone, phase by phase (connect, inspect, validate as preflightHost runs them), with the
 * CPU each cost the host and the action: N times that work over the cores estimates N hosts'
 * preflight where it is CPU-bound, set beside the measured one and 2× the smallest size's. And the
 * host CPU of a login per key exchange (curve25519, which the action's ssh2 negotiates, and P-256),
 * and of the wrapper every command runs in, with and without an `env` for the locale.
 *
 * A diagnostic, not a benchmark part: nothing is written to bench/results. The fleet is left up
 * (`test/fleet/fleet.sh down` takes it down).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'ssh2';
import { readFleet, sshExec, type FleetHost } from '../test/fleet/fleet';
import type { SshConnector } from '../src/transport/ssh-connector';
import { ConnectionLease } from '../src/transport/lease';
import { RemoteHost } from '../src/remote/remote-host';
import { inspectUnit, userCommand } from '../src/remote/commands';
import { CHECKED_COMMANDS } from '../src/inspect/prerequisites';
import { fleetInputs } from '../test/support/fleet-action';
import { runAction } from '../test/support/run-action';
import { fleetUp } from './fleet-size';
import { fleetConnector } from './parts/floors';
import { dryRunPreflightMs } from './parts/scale';
import { median } from './part';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '3' }, sizes: { type: 'string', default: '3,10' } } });
const sizes = String(args.sizes).split(',').map(Number);

/** A container's CPU so far (µs): the unified hierarchy of a hybrid host, or cgroup v2's own. */
function containerCpu(name: string): number {
  const file = [`/sys/fs/cgroup/unified/zdr-${name}/cpu.stat`, `/sys/fs/cgroup/zdr-${name}/cpu.stat`].find(existsSync);
  if (!file) throw new Error(`no cpu.stat for the container of ${name}`);
  return Number(/^usage_usec (\d+)$/m.exec(readFileSync(file, 'utf8'))?.[1]);
}

interface Row {
  preflightMs: number;
  actionCpuMs: number;
  hostsCpuMs: number;
}

async function dryRun(n: number): Promise<Row> {
  const hosts = readFleet().hosts.slice(0, n);
  const usageFile = join(tmpdir(), `zdr-usage-${process.pid}.json`);
  rmSync(usageFile, { force: true });
  const before = hosts.reduce((t, h) => t + containerCpu(h.name), 0);
  const run = await runAction(
    fleetInputs({
      hosts: hosts.map((h) => `- {host: ${h.address}, name: ${h.name}}`).join('\n'),
      'dry-run': 'true',
      'check-window': '0',
      strategy: 'reload',
    }),
    { env: { NODE_OPTIONS: `--import ${join(__dirname, 'action-usage.mjs')}`, ZDR_USAGE_FILE: usageFile } },
  );
  const after = hosts.reduce((t, h) => t + containerCpu(h.name), 0);
  if (run.outputs.status !== 'success' || !run.report) throw new Error(`the dry run of ${n} hosts failed: ${run.stdout.slice(-800)}`);
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { userCPUTime: number; systemCPUTime: number };
  const actionCpu = usage.userCPUTime + usage.systemCPUTime;
  rmSync(usageFile, { force: true });
  return {
    preflightMs: dryRunPreflightMs(run.report),
    actionCpuMs: Math.round(actionCpu / 1000),
    hostsCpuMs: Math.round((after - before) / 1000),
  };
}

/** The fleet's first host (web-1), where the per-login and per-command costs are measured. */
function firstHost(): FleetHost {
  const host = readFleet().hosts[0];
  if (!host) throw new Error('the fleet has no hosts');
  return host;
}

/** The container CPU of one `ssh root@web-1 true` (key auth, strict host key), median of 5. */
function loginCpuMs(): number {
  const host = firstHost();
  const samples = Array.from({ length: 5 }, () => {
    const before = containerCpu(host.name);
    const r = sshExec(host, 'true', 'root', 30_000);
    if (r.code !== 0) throw new Error(`ssh to ${host.name} exited ${r.code}`);
    return (containerCpu(host.name) - before) / 1000;
  });
  return Math.round(median(samples));
}

/**
 * The host CPU of the wrapper every command runs in, per command: `env LC_ALL=C` between `timeout`
 * and `sh` (up to 8150f09) against the locale set inside the script (since), `true` as the script,
 * 200 in a row in one login on web-1 (the login's share is the same for both), alternating, 4 each.
 */
function wrapperCpu(): Map<string, number[]> {
  const host = firstHost();
  const wrappers = {
    'timeout … env LC_ALL=C sh -c true': `timeout -k 3 10 env LC_ALL=C sh -c true zdr.test`,
    "timeout … sh -c 'export LC_ALL=C; true'": `timeout -k 3 10 sh -c 'export LC_ALL=C; true' zdr.test`,
  };
  const samples = new Map<string, number[]>(Object.keys(wrappers).map((k) => [k, []]));
  for (let r = 0; r < 8; r++) {
    const [name, line] = Object.entries(wrappers)[r % 2] as [string, string];
    const before = containerCpu(host.name);
    const run = sshExec(host, `i=0; while [ $i -lt 200 ]; do ${line} || exit 1; i=$((i + 1)); done`);
    if (run.code !== 0) throw new Error(`${name} on ${host.name} exited ${run.code}`);
    samples.get(name)?.push(Math.round((containerCpu(host.name) - before) / 200 / 10) / 100);
  }
  return samples;
}

/** Wall time of connecting to the first `n` hosts at once and running `true` on each (ms). */
async function loginsAtOnce(ssh: SshConnector, n: number): Promise<number> {
  const started = performance.now();
  await Promise.all(
    readFleet()
      .hosts.slice(0, n)
      .map(async (h) => {
        const connection = await ssh.connect({ host: h.address, port: h.port, user: 'root', name: h.name });
        const ran = await connection.exec('true', { timeoutMs: 10_000 });
        await connection.close();
        if (ran.code !== 0) throw new Error(`${h.name}: true exited ${ran.code}`);
      }),
  );
  return Math.round(performance.now() - started);
}

/** The transport's floor at each size: median of `runs` (after one warm-up), sizes alternating. */
async function transportFloor(runs: number): Promise<Map<number, number[]>> {
  const ssh = fleetConnector();
  await loginsAtOnce(ssh, 2);
  const times = new Map<number, number[]>(sizes.map((n) => [n, []]));
  for (let i = 0; i < runs; i++) for (const n of sizes) times.get(n)?.push(await loginsAtOnce(ssh, n));
  await ssh.close();
  return times;
}

const PHASES = ['connect', 'inspect', 'validate'] as const;
type Phase = (typeof PHASES)[number];
/** CPU (ms) one phase of one host's preflight cost the host's container and this process. */
type Work = Record<Phase, { host: number; here: number }>;

/**
 * One host's preflight work as preflightHost does it (a lease, inspect with the checked commands,
 * `nginx -t` as the validate-command, one command after another in the long-lived shell), alone on
 * an otherwise idle fleet, with the CPU each phase cost the host and this process. The reading ends
 * before the connection is released: its teardown falls after a preflight, so it is not counted.
 */
async function preflightWork(ssh: SshConnector, name: string): Promise<Work> {
  const host = readFleet().hosts.find((h) => h.name === name);
  if (!host) throw new Error(`no host ${name}`);
  const lease = new ConnectionLease(ssh, { host: host.address, port: host.port, user: 'root', name: host.name });
  const remote = new RemoteHost(lease, false);
  const steps: Record<Phase, () => Promise<unknown>> = {
    connect: () => lease.acquire(),
    inspect: () => remote.check(inspectUnit('nginx', 10_000, CHECKED_COMMANDS)),
    validate: () => remote.check(userCommand('validate-command', 'nginx -t', 10_000)),
  };
  const work = {} as Work;
  try {
    for (const phase of PHASES) {
      const [hostBefore, hereBefore] = [containerCpu(name), process.cpuUsage()];
      await steps[phase]();
      const here = process.cpuUsage(hereBefore);
      work[phase] = { host: (containerCpu(name) - hostBefore) / 1000, here: (here.user + here.system) / 1000 };
    }
  } finally {
    await lease.close();
  }
  return work;
}

/** Median per phase of `runs` preflights of single hosts, host by host in turn (after one warm-up). */
async function medianWork(runs: number): Promise<Work> {
  const ssh = fleetConnector();
  const names = readFleet().hosts.map((h) => h.name);
  await preflightWork(ssh, names[0] ?? '');
  const samples: Work[] = [];
  for (let i = 0; i < runs; i++) samples.push(await preflightWork(ssh, names[i % names.length] ?? ''));
  await ssh.close();
  const at = (phase: Phase, side: 'host' | 'here'): number => Math.round(median(samples.map((w) => w[phase][side])) * 10) / 10;
  return Object.fromEntries(PHASES.map((p) => [p, { host: at(p, 'host'), here: at(p, 'here') }])) as Work;
}

const KEXES = ['curve25519-sha256', 'ecdh-sha2-nistp256'] as const;

/** A login to web-1 with one key exchange only (ssh2's client, the host key checked against the fleet's), running `true`. */
function kexLogin(): (kex: (typeof KEXES)[number]) => Promise<void> {
  const fleet = readFleet();
  const host = firstHost();
  const privateKey = readFileSync(fleet.privateKeyPath);
  const known = readFileSync(fleet.knownHostsPath, 'utf8')
    .split('\n')
    .filter((l) =>
      l
        .split(' ')[0]
        ?.split(',')
        .some((h) => h === host.address || h === `[${host.address}]:${host.port}`),
    )
    .map((l) => l.split(' ')[2]);
  return (kex) =>
    new Promise((resolve, reject) => {
      const c = new Client();
      c.on('ready', () =>
        c.exec('true', (err, stream) => {
          if (err) return reject(err);
          stream
            .on('close', () => {
              c.end();
              resolve();
            })
            .resume();
          stream.stderr.resume();
        }),
      );
      c.on('error', reject);
      c.connect({
        host: host.address,
        port: host.port,
        username: 'root',
        privateKey,
        algorithms: { kex: [kex] },
        hostVerifier: (key: Buffer) => known.includes(key.toString('base64')),
      });
    });
}

/**
 * The host CPU of a login per key exchange (the lever the issue names: "lighter key exchange
 * choices where the host allows"): 20 logins per sample, the two alternating, `rounds` samples each.
 */
async function kexCpu(rounds: number): Promise<Map<string, number[]>> {
  const { name } = firstHost();
  const login = kexLogin();
  const samples = new Map<string, number[]>(KEXES.map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const kex of r % 2 ? [...KEXES].reverse() : KEXES) {
      const before = containerCpu(name);
      for (let i = 0; i < 20; i++) await login(kex);
      samples.get(kex)?.push(Math.round((containerCpu(name) - before) / 20 / 100) / 10);
    }
  }
  return samples;
}

const say = (line: string): void => void process.stdout.write(`[preflight-cpu] ${line}\n`);

async function main(): Promise<void> {
  fleetUp(Math.max(...sizes), say);
  const rows = new Map<number, Row[]>(sizes.map((n) => [n, []]));
  for (let i = 0; i < Number(args.runs); i++) for (const n of sizes) rows.get(n)?.push(await dryRun(n));
  const floor = await transportFloor(Math.max(5, Number(args.runs)));
  const work = await medianWork(Math.max(10, 3 * Number(args.runs)));
  const kex = await kexCpu(8);
  const wrappers = wrapperCpu();
  const cores = cpus().length;
  say(`one bare SSH login (\`ssh root@web-1 true\`, median of 5): ${loginCpuMs()} ms of the host's CPU`);
  for (const [n, times] of floor) {
    say(`the transport alone, ${n} hosts at once (connect + \`true\`, warm process): ${median(times)} ms (${times.join(', ')})`);
  }
  for (const [n, runs] of rows) {
    const m = (key: keyof Row): number => median(runs.map((r) => r[key]));
    say(
      `${n} hosts (median of ${runs.length}): preflight ${m('preflightMs')} ms; ` +
        `the action's CPU ${m('actionCpuMs')} ms (node's start included); the hosts' CPU ${m('hostsCpuMs')} ms ` +
        `(${Math.round(m('hostsCpuMs') / n)} ms per host; over ${cores} cores at least ${Math.round(m('hostsCpuMs') / cores)} ms)`,
    );
  }
  say(
    `one host's preflight alone (median of ${Math.max(10, 3 * Number(args.runs))}), CPU of the host + this side: ${PHASES.map((p) => `${p} ${work[p].host} + ${work[p].here} ms`).join(', ')}`,
  );
  sayBound(work, rows, cores);
  sayLoginsShare(floor, work, rows, cores);
  for (const [name, samples] of kex) {
    // In tenths of a ms: the difference is a few ms, which median()'s whole ms would blur.
    const ms = median(samples.map((s) => s * 10)) / 10;
    say(
      `a login with ${name} only (ssh2's client, \`true\`; ${samples.length} samples of 20): ${ms} ms of the host's CPU (${samples.join(', ')})`,
    );
  }
  for (const [name, samples] of wrappers) {
    const ms = median(samples.map((s) => s * 100)) / 100;
    say(
      `a command run as \`${name}\` (200 in one login, ${samples.length} samples): ${ms} ms of the host's CPU each (${samples.join(', ')})`,
    );
  }
}

/**
 * What the CPU allows on this machine: every host's preflight work has to be done inside the
 * largest size's preflight, on this machine's cores. An estimate, not a bound: the work is measured
 * one host at a time on an idle fleet (under contention it costs more, but caches and clocks differ
 * too), and the action's other work (node, the plan, the report) is left out. It is printed beside
 * the measured preflight, which it should come close to where the preflight is CPU-bound.
 */
function sayBound(work: Work, rows: Map<number, Row[]>, cores: number): void {
  const perHost = PHASES.reduce((t, p) => t + work[p].host + work[p].here, 0);
  const [small, large] = [Math.min(...sizes), Math.max(...sizes)];
  const [smallRuns, largeRuns] = [rows.get(small) ?? [], rows.get(large) ?? []];
  if (small === large || !smallRuns.length || !largeRuns.length) return;
  const target = 2 * median(smallRuns.map((r) => r.preflightMs));
  const cpuBound = Math.round((large * perHost) / cores);
  say(
    `so ${large} hosts' preflight, CPU-bound, takes about ${large} × ${Math.round(perHost)} ms / ${cores} cores = ${cpuBound} ms ` +
      `(measured above: ${median(largeRuns.map((r) => r.preflightMs))} ms); 2× the ${small}-host preflight is ${target} ms, ` +
      `which allows ${Math.floor((target * cores) / large)} ms of CPU per host, the host's and the action's together`,
  );
}

/**
 * How much of the target's budget (2× the smallest size's preflight) the largest size's logins
 * alone take: the transport floor measured above, connect and `true` and nothing else. What is
 * left would have to hold every host's inspect and validate, whose CPU (one host's, measured
 * alone: host and this side) is set beside it, over this machine's cores.
 */
function sayLoginsShare(floor: Map<number, number[]>, work: Work, rows: Map<number, Row[]>, cores: number): void {
  const [small, large] = [Math.min(...sizes), Math.max(...sizes)];
  const [smallRuns, logins] = [rows.get(small) ?? [], floor.get(large) ?? []];
  if (small === large || !smallRuns.length || !logins.length) return;
  const budget = 2 * median(smallRuns.map((r) => r.preflightMs));
  const loginsMs = median(logins);
  const afterLogin = (['inspect', 'validate'] as const).reduce((t, p) => t + work[p].host + work[p].here, 0);
  say(
    `${large} hosts' logins alone (the transport above) take ${loginsMs} ms, ${Math.round((100 * loginsMs) / budget)}% of that ${budget} ms; ` +
      `${budget - loginsMs} ms would be left for ${large} hosts' inspect and validate, ${Math.round(afterLogin)} ms of CPU each: ` +
      `${Math.round((large * afterLogin) / cores)} ms over ${cores} cores`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
