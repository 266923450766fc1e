import { userCommand } from '../remote/commands/exec';
import { nginxReload } from '../remote/commands/nginx';
import { systemctlTimed } from '../remote/commands/systemd';
import { httpStatus } from '../remote/commands/traffic';
import type { RemoteHost } from '../remote/remote-host';
import type { Settings } from '../settings/settings';
import type { HostRun } from './context';

const s = (ms: number): string => `${ms / 1000}s`;

/**
 * The dry-run plan: for each preflighted host, the phases it would go through and the exact lines
 * that would be sent to it, with their time limits. Nothing here runs anything.
 */
export function planLines(settings: Settings, runs: HostRun[], lbDescription: string | null): string[] {
  const t = settings.ssh.commandTimeoutMs;
  const lines = [`Plan: ${runs.length} host${runs.length === 1 ? '' : 's'} in this order, one at a time; strategy ${settings.strategy}; service ${settings.service}${lbDescription ? `; load balancer: ${lbDescription}` : ''}.`];
  const cmd = (remote: RemoteHost, c: Parameters<RemoteHost['line']>[0]): string => `      $ ${remote.line(c)}`;
  for (const run of runs) {
    const { remote, choice } = run;
    if (!remote || !choice) continue;
    lines.push(`${run.target.name} (${run.target.user}@${run.target.host}:${run.target.port}): ${choice.label} — ${choice.reason}`);
    if (settings.validateCommand) lines.push(`  validate (already run in preflight)`, cmd(remote, userCommand('validate-command', settings.validateCommand, t)));
    if (choice.drain) {
      lines.push(`  drain: capacity guard (min-healthy ${settings.drain.minHealthy}), drain, wait up to ${s(settings.drain.timeoutMs)} for 0 in flight, then ${settings.drain.onTimeout}`);
    }
    const nginx = choice.action === 'reload' && run.unit?.mainComm === 'nginx';
    lines.push(
      `  change: systemctl ${choice.action}, then prove it took effect (up to 15s${nginx ? ': every old worker replaced, no new [emerg]' : ''})`,
      cmd(remote, nginx ? nginxReload(settings.service, settings.nginxErrorLog, 15_000, t + 15_000) : systemctlTimed(choice.action, settings.service, t)),
    );
    if (settings.readiness.url) {
      lines.push(`  ready: ${settings.readiness.successes} consecutive 2xx within ${s(settings.readiness.timeoutMs)}, every ${s(settings.readiness.intervalMs)}`, cmd(remote, httpStatus(settings.readiness.url, 2000)));
    }
    for (const check of settings.dependencyChecks) lines.push(`  ready: dependency check`, cmd(remote, userCommand('dependency check', check, t)));
    if (choice.drain) lines.push(`  return: back into rotation, wait until the load balancer sees it UP`);
    lines.push(
      settings.check.windowMs > 0
        ? `  watch: ${settings.check.source} for ${s(settings.check.windowMs)}; fail above ${settings.check.maxErrorRate * 100}% errors (at least ${settings.check.minRequests} requests)`
        : '  watch: off (check-window 0)',
    );
    if (settings.rollbackCommand) lines.push(`  on failure: rollback-command, then systemctl ${choice.action}`, cmd(remote, userCommand('rollback-command', settings.rollbackCommand, t)));
  }
  lines.push('Dry run: nothing was changed.');
  return lines;
}
