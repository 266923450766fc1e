// shellcheck over every shell program the product runs on a host: each command builder in
// src/remote/commands/ is called with sample values (hostile ones where a value is spliced in),
// and the script it builds is checked as the POSIX sh that runs it (`sh -c` on the host, dash on
// Debian). The full line (timeout, env, sh -c, quoted args) is checked too, as the login shell
// reads it. Run: npm run lint:shell   (needs the Debian package `shellcheck`).
import { spawnSync } from 'node:child_process';
import * as commands from '../src/remote/commands';
import type { RemoteCommand } from '../src/remote/commands';
import { fillPlaceholders } from '../src/remote/quote';

/** Exports of remote/commands/ that build no command (lock ids name a lock file, they run nothing; splitCurlOutput reads output). */
const NOT_BUILDERS = new Set([
  'execLine',
  'timedOutOnHost',
  'serviceMs',
  'KILL_AFTER_S',
  'UNIT_PROPERTIES',
  'hostLock',
  'poolLock',
  'splitCurlOutput',
]);

/** A value with everything a shell could trip on. */
const HOSTILE = `a b'c"d$(touch x)\`e\`;f&g|h*`;

/**
 * Every builder, with sample values: plain ones, then hostile ones where a value is spliced into
 * the script. A new builder without a sample here fails the check.
 */
const SAMPLES: Record<string, () => RemoteCommand[]> = {
  inspectUnit: () => [commands.inspectUnit('nginx.service', 15_000), commands.inspectUnit(HOSTILE, 15_000)],
  userCommand: () => [], // the user's own text: theirs to check, run as written
  systemctl: () => [
    ...(['reload', 'restart', 'start', 'stop'] as const).map((a) => commands.systemctl(a, 'app.service', 15_000)),
    commands.systemctl('stop', HOSTILE, 15_000),
  ],
  systemctlTimed: () => [commands.systemctlTimed('restart', HOSTILE, 15_000)],
  nginxReload: () => [commands.nginxReload('nginx', '/var/log/nginx/error.log', 15_000, 75_000)],
  httpStatus: () => [
    commands.httpStatus('http://127.0.0.1/healthz', 2000),
    commands.httpStatus(`http://127.0.0.1/healthz?${HOSTILE}`, 2000),
  ],
  unitState: () => [commands.unitState('app.service', 15_000), commands.unitState(HOSTILE, 15_000)],
  journalSince: () => [
    commands.journalSince('app.service', 1764072000123, 30, 15_000),
    commands.journalSince(HOSTILE, 1764072000123, 30, 15_000),
  ],
  haproxyApi: () => [commands.haproxyApi('/run/haproxy/admin.sock', 'show stat', 5000)],
  haproxySession: () => [commands.haproxySession('/run/haproxy/admin.sock', 60_000)],
  nginxUpstreamMark: () => [
    commands.nginxUpstreamMark('/etc/nginx/conf.d/upstream.conf', 'nginx', ['10.0.0.1', 'web-1'], 'web-1', true, 15_000),
  ],
  nginxUpstreamList: () => [commands.nginxUpstreamList('/etc/nginx/conf.d/upstream.conf', 15_000)],
  stubStatus: () => [commands.stubStatus('http://127.0.0.1/status', 5000), commands.stubStatus(`http://127.0.0.1/status?${HOSTILE}`, 5000)],
  establishedOn: () => [commands.establishedOn(8080, 5000)],
  logMark: () => [commands.logMark('/var/log/nginx/access.log', 5000)],
  logRead: () => [commands.logRead('/var/log/nginx/access.log', 42, 1000, 65536, 5000)],
  logBefore: () => [commands.logBefore('/var/log/nginx/access.log', 1000, 65536, 5000)],
  probeBurst: () => [commands.probeBurst('http://127.0.0.1/', 3, 2000), commands.probeBurst(`http://127.0.0.1/?${HOSTILE}`, 3, 2000)],
  lockAcquire: () => [commands.lockAcquire('host.host', HOSTILE, 600, 15_000)],
  lockRelease: () => [commands.lockRelease('host.host', HOSTILE, 15_000)],
  prometheusGet: () => [
    commands.prometheusGet('http://127.0.0.1:9090/api/v1/query', { authorization: 'Bearer x', insecure: false, timeoutMs: 5000 }),
    commands.prometheusGet(`http://127.0.0.1:9090/api/v1/query?${HOSTILE}`, { authorization: null, insecure: true, timeoutMs: 5000 }),
  ],
  // The user's own text with {host}/{name}/{since}/{until} filled by fillPlaceholders: hostile values
  // must stay quoted words.
  checkCommand: () => [
    commands.checkCommand(fillPlaceholders('counts --name {name} --since {since}', { name: 'web-1', since: '1764500000' }), 20_000),
    commands.checkCommand(fillPlaceholders('counts --name {name} --since {since}', { name: HOSTILE, since: '1764500000' }), 20_000),
  ],
};

/**
 * Rules left out, each with why:
 * - SC2016 (expressions in single quotes) on the full line: the script is meant to reach the
 *   host's `sh -c` unexpanded; that is the whole point of quoting it.
 * - SC2016 and SC1003 (a single quote escaped as '\'') where a hostile value was spliced in: that
 *   value is data, quoted by shQuote so that its `$(…)` and quotes stay literal; shellcheck sees
 *   code-like text in single quotes and asks whether it was meant to expand. It was not.
 */
const LINE_EXCLUDES = ['SC2016'];
const HOSTILE_EXCLUDES = ['SC2016', 'SC1003'];

function shellcheck(text: string, excludes: string[]): string {
  const args = ['-s', 'sh', '-f', 'gcc', ...(excludes.length ? ['-e', excludes.join(',')] : []), '-'];
  const run = spawnSync('shellcheck', args, { input: text, encoding: 'utf8' });
  if (run.error) throw new Error(`cannot run shellcheck (Debian package "shellcheck"): ${run.error.message}`);
  return run.status === 0 ? '' : run.stdout + run.stderr;
}

function main(): number {
  const exported = Object.entries(commands)
    .filter(([name, value]) => typeof value === 'function' && !NOT_BUILDERS.has(name))
    .map(([name]) => name);
  const missing = exported.filter((name) => !(name in SAMPLES));
  if (missing.length) {
    console.error(`no sample values for the builder(s) ${missing.join(', ')}: add them to SAMPLES in scripts/shellcheck-commands.ts`);
    return 1;
  }
  let failed = 0;
  let checked = 0;
  for (const [name, build] of Object.entries(SAMPLES)) {
    for (const cmd of build()) {
      checked += 1;
      const hostile = cmd.script.includes('$(touch x)');
      const findings = [
        shellcheck(`${cmd.script}\n`, hostile ? HOSTILE_EXCLUDES : []),
        shellcheck(`${commands.execLine(cmd, { sudo: true })}\n`, hostile ? HOSTILE_EXCLUDES : LINE_EXCLUDES),
      ].filter(Boolean);
      if (findings.length) {
        failed += 1;
        console.error(`--- ${name} (${cmd.kind}: ${cmd.title})\n${cmd.script}\n${findings.join('')}`);
      }
    }
  }
  console.log(`shellcheck -s sh: ${checked} commands from ${Object.keys(SAMPLES).length} builders, ${failed} with findings`);
  return failed ? 1 : 0;
}

process.exitCode = main();
