import { nginxState, systemctl, unitState } from '../remote/commands';
import { EFFECT_POLL_MS, EFFECT_TIMEOUT_MS, type ChangeContext } from './change';

/** nginx's processes and log position at one moment. */
export interface NginxSnapshot {
  active: string;
  masterPid: number;
  /** Workers serving new connections (not "shutting down"). */
  workers: number[];
  shuttingDown: number[];
  errorLogSize: number | null;
  emerg: string[];
}

export function parseNginxState(stdout: string): NginxSnapshot {
  const snap: NginxSnapshot = { active: '', masterPid: 0, workers: [], shuttingDown: [], errorLogSize: null, emerg: [] };
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'zdr.mainpid') snap.masterPid = Number(value) || 0;
    else if (key === 'zdr.active') snap.active = value.trim();
    else if (key === 'zdr.errlog') snap.errorLogSize = /^\d+$/.test(value.trim()) ? Number(value.trim()) : null;
    else if (key === 'zdr.emerg') snap.emerg.push(value);
    else if (key === 'zdr.child') {
      const m = /^\s*(\d+)\s+(.*)$/.exec(value);
      if (!m) continue;
      if (/shutting down/.test(m[2] as string)) snap.shuttingDown.push(Number(m[1]));
      else if (/worker process/.test(m[2] as string)) snap.workers.push(Number(m[1]));
    }
  }
  return snap;
}

/**
 * Pattern A. `systemctl reload` only sends nginx a signal and returns, so success is proved, not
 * assumed: the master stays, every worker that served before is replaced by a new one, and no
 * `[emerg]` appeared in the error log (a failed reload leaves the old workers running).
 */
export async function reload(ctx: ChangeContext): Promise<string> {
  const { remote, settings, clock } = ctx;
  const timeout = settings.ssh.commandTimeoutMs;
  const isNginx = ctx.unit.mainComm === 'nginx';
  if (!isNginx) {
    await remote.check(systemctl('reload', settings.service, timeout));
    const state = await remote.check(unitState(settings.service, timeout));
    if (!/^ActiveState=active$/m.test(state)) throw new Error(`${settings.service} is not active after the reload: ${state.replace(/\n/g, ' ')}`);
    return `systemctl reload ${settings.service}; unit active (the main process is ${ctx.unit.mainComm || 'unknown'}, so workers are not compared)`;
  }
  const before = parseNginxState(await remote.check(nginxState(settings.service, settings.nginxErrorLog, null, timeout)));
  if (before.workers.length === 0) throw new Error(`nginx (master ${before.masterPid}) has no worker processes before the reload`);
  const started = clock.now();
  await remote.check(systemctl('reload', settings.service, timeout));
  const old = new Set(before.workers);
  for (;;) {
    const after = parseNginxState(await remote.check(nginxState(settings.service, settings.nginxErrorLog, before.errorLogSize ?? 0, timeout)));
    if (after.emerg.length) throw new Error(`nginx logged [emerg] after the reload: ${after.emerg.join(' | ')}`);
    if (after.active !== 'active') throw new Error(`${settings.service} is ${after.active || 'not running'} after the reload`);
    if (after.masterPid !== before.masterPid) throw new Error(`the nginx master changed (${before.masterPid} → ${after.masterPid}): the reload restarted it`);
    const replaced = after.workers.length > 0 && after.workers.every((pid) => !old.has(pid));
    if (replaced) {
      const ms = clock.now() - started;
      return `systemctl reload ${settings.service}; ${before.workers.length} workers replaced by ${after.workers.length} new in ${ms} ms (master ${after.masterPid} kept${after.shuttingDown.length ? `, ${after.shuttingDown.length} old still finishing requests` : ''})`;
    }
    if (clock.now() - started > EFFECT_TIMEOUT_MS) {
      throw new Error(`the reload did not take effect within ${EFFECT_TIMEOUT_MS / 1000}s: workers ${[...old].join(',')} are still serving`);
    }
    await clock.sleep(EFFECT_POLL_MS, ctx.signal);
  }
}
