import { describe, expect, it } from 'vitest';
import { parseUnitInfo } from '../../src/inspect/unit-info';
import { RemoteHost } from '../../src/remote/remote-host';
import { restart } from '../../src/strategies/restart';
import { FakeClock } from '../support/fakes';
import { result, ScriptedShell, target } from '../support/scripted-shell';
import { settingsFrom } from '../support/settings';

const unit = parseUnitInfo('Id=app.service\nLoadState=loaded\nActiveState=active\nMainPID=30\nTimeoutStopUSec=10s\n');
const state = (active: string, pid: number): string => `ActiveState=${active}\nSubState=x\nMainPID=${pid}\nNRestarts=0\nResult=success\n`;

/** A host that restarts with `afterRestart` as the state the restart command prints, then `later` for each unit-state. */
function setup(afterRestart: string, later: string[]) {
  const shell = new ScriptedShell(target('web-1'), (cmd) => {
    if (cmd.kind === 'systemctl-timed') return result(`zdr.service_ms=40\n${afterRestart}`);
    if (cmd.kind === 'unit-state') return result(later.shift() ?? '');
    return result('', 127, `unexpected ${cmd.kind}`);
  });
  const clock = new FakeClock();
  const ctx = {
    remote: new RemoteHost(shell, false, undefined, false),
    settings: settingsFrom({ hosts: 'web-1', 'host-key-check': 'off', service: 'app' }),
    unit,
    clock,
    signal: new AbortController().signal,
    addWait: () => undefined,
    progress: () => undefined,
  };
  return { shell, ctx };
}

describe('restart: the proof', () => {
  it('takes its first look from the restart command itself: one round trip when the unit is back at once', async () => {
    const { shell, ctx } = setup(state('active', 31), []);
    expect(await restart(ctx)).toMatch(/active in \d+ ms with main PID 31 \(was 30\)/);
    expect(shell.sent.map((c) => c.kind)).toEqual(['systemctl-timed']);
    expect(shell.sent[0]?.script).toContain('systemctl show --property=ActiveState,SubState,MainPID,NRestarts,Result -- "$2"');
  });

  it('asks again while the unit is still starting (e.g. Type=notify), until it is active with a new main process', async () => {
    const { shell, ctx } = setup(state('activating', 31), [state('activating', 31), state('active', 31)]);
    await restart(ctx);
    expect(shell.sent.map((c) => c.kind)).toEqual(['systemctl-timed', 'unit-state', 'unit-state']);
  });

  it('a unit that failed right after the restart fails the change at the first look', async () => {
    const { ctx } = setup(state('failed', 0), []);
    await expect(restart(ctx)).rejects.toThrow('app is failed after the restart (result: success)');
  });
});
