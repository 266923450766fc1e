import { userCommand } from '../remote/commands/exec';
import type { Settings } from '../settings/settings';
import { describeRoute } from '../transport/target';
import type { FlowContext } from './context';
import { hostSteps, preflighted } from './host-flow';
import type { HostRun } from './host-run';

/**
 * The dry-run plan: for each preflighted host, the phases its turn would go through and the exact
 * lines that would be sent to it, with their time limits. Built from the same steps that run a
 * host (hostSteps), so the plan says what a real run does. Nothing here runs anything.
 */
export function planLines(settings: Settings, runs: HostRun[], ctx: FlowContext): string[] {
  const t = settings.ssh.commandTimeoutMs;
  const lbDescription = ctx.rotation.lb?.description ?? null;
  const serial = settings.batches.every((n) => n === 1);
  const order = serial
    ? 'one at a time'
    : `in ${settings.batches.length} batches of ${settings.batches.join(', ')} (the hosts of a batch at once; the next batch when all of them passed their watch; max-failed-hosts ${settings.maxFailedHosts})`;
  const lines = [
    `Plan: ${runs.length} host${runs.length === 1 ? '' : 's'} in this order, ${order}; strategy ${settings.strategy}; service ${settings.service}${lbDescription ? `; load balancer: ${lbDescription}` : ''}.`,
  ];
  const lbHost = settings.lb.kind === 'none' ? null : settings.lb.host;
  if (lbHost?.jump?.length) lines.push(`load balancer host: ${describeRoute(lbHost)}`);
  for (const run of runs) {
    if (!run.remote || !run.choice || !run.unit) continue;
    const host = preflighted(run);
    const { remote, choice } = host;
    lines.push(`${serial ? '' : `batch ${run.batch}: `}${run.name} (${describeRoute(run.target)}): ${choice.label} — ${choice.reason}`);
    if (settings.validateCommand)
      lines.push(
        `  validate (already run in preflight)`,
        `      $ ${remote.line(userCommand('validate-command', settings.validateCommand, t))}`,
      );
    for (const step of hostSteps(host, ctx)) lines.push(...step.plan());
    if (settings.rollbackCommand)
      lines.push(
        `  on failure: rollback-command, then systemctl ${choice.action}`,
        `      $ ${remote.line(userCommand('rollback-command', settings.rollbackCommand, t))}`,
      );
  }
  lines.push('Dry run: nothing was changed.');
  return lines;
}
