import { nginxReload } from '../remote/commands/nginx';
import { serviceMs, systemctlTimed, unitState } from '../remote/commands/systemd';
import { failureOf, RemoteCommandError } from '../remote/remote-host';
import type { UnitInfo } from '../inspect/unit-info';
import type { Settings } from '../settings/settings';
import { EFFECT_TIMEOUT_MS, type ChangeContext, type ChangePlan } from './change';

/** nginx's processes at one moment. */
export interface NginxSnapshot {
  active: string;
  masterPid: number;
  /** Workers serving new connections (not "shutting down"). */
  workers: number[];
  shuttingDown: number[];
  emerg: string[];
}

/** Parses `zdr.*` lines of one snapshot; `prefix` picks `before.` or `after.` lines. */
export function parseNginxState(stdout: string, prefix = ''): NginxSnapshot {
  const snap: NginxSnapshot = { active: '', masterPid: 0, workers: [], shuttingDown: [], emerg: [] };
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const rest = line.slice(prefix.length);
    const eq = rest.indexOf('=');
    if (eq < 0) continue;
    const key = rest.slice(0, eq);
    const value = rest.slice(eq + 1);
    if (key === 'zdr.mainpid') snap.masterPid = Number(value) || 0;
    else if (key === 'zdr.active') snap.active = value.trim();
    else if (key === 'zdr.emerg') snap.emerg.push(value);
    else if (key === 'zdr.child') {
      const [, pid, args] = /^\s*(\d+)\s+(.*)$/.exec(value) ?? [];
      if (args === undefined) continue;
      if (/shutting down/.test(args)) snap.shuttingDown.push(Number(pid));
      else if (/worker process/.test(args)) snap.workers.push(Number(pid));
    }
  }
  return snap;
}

/**
 * Judges a reload from the pictures before and after: the master stays, every worker that served
 * before was replaced by a new one, and no `[emerg]` appeared (a failed reload leaves the old
 * workers running). Returns the detail for the report, or throws why it did not take effect.
 */
export function judgeReload(unit: string, before: NginxSnapshot, after: NginxSnapshot): string {
  if (before.workers.length === 0) throw new Error(`nginx (master ${before.masterPid}) had no worker processes before the reload`);
  if (after.emerg.length) throw new Error(`nginx logged [emerg] after the reload: ${after.emerg.join(' | ')}`);
  if (after.active !== 'active') throw new Error(`${unit} is ${after.active || 'not running'} after the reload`);
  if (after.masterPid !== before.masterPid)
    throw new Error(`the nginx master changed (${before.masterPid} → ${after.masterPid}): the reload restarted it`);
  const old = new Set(before.workers);
  if (after.workers.length === 0 || after.workers.some((pid) => old.has(pid))) {
    throw new Error(
      `the reload did not take effect within ${EFFECT_TIMEOUT_MS / 1000}s: workers ${before.workers.filter((p) => after.workers.includes(p)).join(',') || before.workers.join(',')} are still serving`,
    );
  }
  return `${before.workers.length} workers replaced by ${after.workers.length} new (master ${after.masterPid} kept${after.shuttingDown.length ? `, ${after.shuttingDown.length} old still finishing requests` : ''})`;
}

/** The reload's command: for nginx one round trip that reloads and watches the workers change. */
export function reloadPlan(settings: Settings, unit: UnitInfo): ChangePlan {
  const timeout = settings.ssh.commandTimeoutMs;
  if (unit.mainComm !== 'nginx')
    return { command: systemctlTimed('reload', settings.service, timeout), proof: 'the unit is active after it' };
  return {
    command: nginxReload(settings.service, settings.nginxErrorLog, EFFECT_TIMEOUT_MS, timeout + EFFECT_TIMEOUT_MS),
    proof: `up to ${EFFECT_TIMEOUT_MS / 1000}s: every old worker replaced, no new [emerg]`,
  };
}

/**
 * Pattern A. `systemctl reload` only sends nginx a signal and returns, so success is proved, not
 * assumed (judgeReload). For nginx the reload and its proof are one round trip to the host.
 */
export async function reload(ctx: ChangeContext): Promise<string> {
  const { remote, settings, clock } = ctx;
  const timeout = settings.ssh.commandTimeoutMs;
  const cmd = reloadPlan(settings, ctx.unit).command;
  if (ctx.unit.mainComm !== 'nginx') {
    ctx.addWait(serviceMs(await remote.check(cmd)));
    const state = await remote.check(unitState(settings.service, timeout));
    if (!/^ActiveState=active$/m.test(state))
      throw new Error(`${settings.service} is not active after the reload: ${state.replace(/\n/g, ' ')}`);
    return `systemctl reload ${settings.service}; unit active (the main process is ${ctx.unit.mainComm || 'unknown'}, so workers are not compared)`;
  }
  const started = clock.now();
  const result = await remote.run(cmd);
  if (result.code === 90) throw new Error(`systemctl reload ${settings.service} failed: ${result.stderr.trim()}`);
  const failure = failureOf(cmd, result);
  if (failure) throw new RemoteCommandError(cmd, result, failure);
  const detail = judgeReload(settings.service, parseNginxState(result.stdout, 'before.'), parseNginxState(result.stdout, 'after.'));
  // systemd's reload and the time nginx took to replace its workers are the host's, not ours.
  const effectMs = Number(/^zdr\.effect_ms=(\d+)$/m.exec(result.stdout)?.[1] ?? 0);
  ctx.addWait(effectMs + Number(/^zdr\.reload_ms=(\d+)$/m.exec(result.stdout)?.[1] ?? 0));
  return `systemctl reload ${settings.service}; ${detail} ${effectMs} ms after the signal; ${clock.now() - started} ms in all`;
}
