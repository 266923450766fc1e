import { stopFindings } from '../inspect/findings';
import { parseUnitInfo } from '../inspect/unit-info';
import { logMark } from '../remote/commands/log-file';
import { userCommand } from '../remote/commands/exec';
import { inspectUnit } from '../remote/commands/systemd';
import { failureOf, RemoteHost } from '../remote/remote-host';
import { chooseStrategy } from '../strategies/choose';
import { describeTarget } from '../transport/target';
import type { FlowContext, HostRun } from './context';
import { runPhase, skipPhase } from './phase';

/**
 * connect → inspect → validate on one host, changing nothing. Run for every host before the first
 * change, so one bad host fails the run while the fleet is still untouched.
 */
export async function preflightHost(run: HostRun, ctx: FlowContext): Promise<void> {
  const { settings, deps } = ctx;
  const { clock, log } = deps;
  const timeout = settings.ssh.commandTimeoutMs;
  const report = run.report;

  const remote = await runPhase(clock, report, 'connect', async (phase) => {
    const started = clock.now();
    const remote = new RemoteHost(await deps.connector.connect(run.target), settings.ssh.sudo, (text) => log.debug(text));
    phase.detail(`${describeTarget(run.target)} in ${clock.now() - started} ms`);
    return remote;
  });
  run.remote = remote;

  await runPhase(clock, report, 'inspect', async (phase) => {
    const unit = parseUnitInfo(await remote.check(inspectUnit(settings.service, timeout)));
    run.unit = unit;
    if (unit.loadState !== 'loaded') {
      throw new Error(`unit ${settings.service} is ${unit.loadState || 'unknown'} on this host (check the service input)`);
    }
    if (unit.uid !== 0 && !settings.ssh.sudo) {
      throw new Error(`connected as uid ${unit.uid} (${run.target.user}), and systemctl needs root: set sudo: true (passwordless sudo) or connect as root`);
    }
    if (unit.activeState !== 'active') {
      throw new Error(`${unit.id} is ${unit.activeState}/${unit.subState} before any change; fix the host first`);
    }
    const decision = chooseStrategy(settings, unit);
    if (!decision.ok) throw new Error(decision.refusal);
    const choice = decision.choice;
    run.choice = choice;
    report.strategy = choice.label;
    report.strategyReason = choice.reason;
    const needsCurl = settings.readiness.url !== null || settings.check.source === 'probe' || settings.drain.stubStatusUrl !== null;
    if (needsCurl && !unit.hasCurl) throw new Error('curl is not installed on the host; readiness and probe checks run it there');
    if (settings.check.windowMs > 0 && settings.check.source === 'access-log') {
      const mark = await remote.run(logMark(settings.check.accessLog, timeout));
      if (mark.code !== 0 || !/^\d+ \d+ /.test(mark.stdout)) {
        throw new Error(`the access log ${settings.check.accessLog} cannot be read on this host (set access-log, or another check-source): ${mark.stderr.trim()}`);
      }
    }

    const findings = choice.action === 'restart' ? stopFindings(unit, settings.drain.timeoutMs) : [];
    if (findings.length && settings.unitWarnings === 'refuse') {
      throw new Error(`unit-warnings is refuse: ${findings.map((f) => `${f.message} Fix with \`systemctl edit ${unit.id}\`: ${f.dropIn.replace(/\n/g, ' ')}`).join(' ')}`);
    }
    for (const f of findings) {
      report.warnings.push(f.message);
      log.warning(`${run.target.name}: ${f.message}\nFix with \`systemctl edit ${unit.id}\` and this drop-in:\n${f.dropIn}`);
    }
    for (const w of choice.warnings) {
      report.warnings.push(w);
      log.warning(`${run.target.name}: ${w}`);
    }
    phase.detail(`${unit.id} ${unit.activeState}, CanReload=${unit.canReload ? 'yes' : 'no'}${unit.triggeredBy.length ? `, TriggeredBy=${unit.triggeredBy.join(' ')}` : ''} → ${choice.label}: ${choice.reason}`);
    if (findings.length || choice.warnings.length) phase.warn(`${findings.length + choice.warnings.length} warning(s)`);
  });

  const validate = settings.validateCommand;
  if (validate === null) {
    skipPhase(clock, report, 'validate', 'no validate-command for this service');
    return;
  }
  await runPhase(clock, report, 'validate', async (phase) => {
    const cmd = userCommand('validate-command', validate, timeout);
    const result = await remote.run(cmd);
    const failure = failureOf(cmd, result);
    if (failure) throw new Error(`validate-command failed: ${failure}`);
    phase.detail(`${validate}: ok`);
  });
}
