import { describe, expect, it } from 'vitest';
import { CommandLb } from '../../../src/lb/command';
import { RemoteHost, RemoteCommandError } from '../../../src/remote/remote-host';
import type { LocalResult, LocalShell } from '../../../src/runtime/local-shell';
import { result, ScriptedShell, target } from '../../support/scripted-shell';

/** The runner's shell: records what it was asked to run and answers as told. */
class FakeLocal implements LocalShell {
  runs: { script: string; timeoutMs: number }[] = [];
  answer: Partial<LocalResult> = {};
  async run(script: string, options: { timeoutMs: number }): Promise<LocalResult> {
    this.runs.push({ script, timeoutMs: options.timeoutMs });
    return { code: 0, signal: null, stdout: '', stderr: '', timedOut: false, ...this.answer };
  }
}

const DRAIN = 'aws elbv2 deregister-targets --targets Id={host} # {name}';
const READY = 'aws elbv2 register-targets --targets Id={host} # {name} {unknown}';

describe('CommandLb on the runner', () => {
  it('runs drain-command and ready-command with {host} and {name} filled in shell-quoted, bounded by the timeout', async () => {
    const local = new FakeLocal();
    const lb = new CommandLb(DRAIN, READY, 30_000, null, local);
    await lb.drain(target('web 1', '10.0.0.1'));
    await lb.undrain(target("it's", '10.0.0.2'));
    expect(local.runs).toEqual([
      { script: "aws elbv2 deregister-targets --targets Id=10.0.0.1 # 'web 1'", timeoutMs: 30_000 },
      { script: "aws elbv2 register-targets --targets Id=10.0.0.2 # 'it'\\''s' {unknown}", timeoutMs: 30_000 },
    ]);
  });

  it('a command killed at its timeout is an error saying so', async () => {
    const local = new FakeLocal();
    local.answer = { code: null, signal: 'SIGKILL', timedOut: true };
    await expect(new CommandLb(DRAIN, READY, 30_000, null, local).drain(target('web-1'))).rejects.toThrow(
      'drain-command for web-1 ran past 30s and was killed',
    );
  });

  it('a non-zero exit is an error with the exit status and the tail of stderr (else stdout)', async () => {
    const local = new FakeLocal();
    const lb = new CommandLb(DRAIN, READY, 30_000, null, local);
    local.answer = { code: 254, stderr: 'line 1\nAn error occurred (AccessDenied)\n' };
    await expect(lb.undrain(target('web-1'))).rejects.toThrow(
      'ready-command for web-1 exited with 254: line 1\nAn error occurred (AccessDenied)',
    );
    local.answer = { code: 1, stdout: 'only stdout\n' };
    await expect(lb.drain(target('web-1'))).rejects.toThrow('drain-command for web-1 exited with 1: only stdout');
    local.answer = { code: 2 };
    await expect(lb.drain(target('web-1'))).rejects.toThrow(/^drain-command for web-1 exited with 2$/);
    local.answer = { code: null, signal: 'SIGTERM' };
    await expect(lb.drain(target('web-1'))).rejects.toThrow('drain-command for web-1 exited with signal SIGTERM');
  });

  it('knows nothing of health or in-flight requests, and has no lock (the runner has no shared place for one)', async () => {
    const lb = new CommandLb(DRAIN, READY, 30_000, null, new FakeLocal());
    expect([await lb.healthyOthers(), await lb.inFlight(), await lb.isUp(), await lb.preflight()]).toEqual([null, null, null, []]);
    expect(lb.lock).toBeNull();
    expect(lb.description).toBe('drain/ready commands on the runner');
  });
});

describe('CommandLb on lb-host', () => {
  it('runs the filled-in command there as the user command it is, with the timeout, and never on the runner', async () => {
    const local = new FakeLocal();
    const shell = new ScriptedShell(target('lb', 'lb.internal'), () => result());
    const lb = new CommandLb(DRAIN, READY, 20_000, new RemoteHost(shell, false, undefined, false), local);
    await lb.drain(target('web-1', '10.0.0.1'));
    expect(shell.sent.map((c) => [c.kind, c.script])).toEqual([['user', 'aws elbv2 deregister-targets --targets Id=10.0.0.1 # web-1']]);
    expect(local.runs).toEqual([]);
    expect(lb.lock?.name).toBe('lb.command');
    expect(lb.description).toBe('drain/ready commands on lb.internal');
    await lb.close();
    expect(shell.closed).toBe(true);
  });

  it('a failure there is the remote command error, titled with which command and host', async () => {
    const shell = new ScriptedShell(target('lb'), () => result('', 3, 'denied'));
    const lb = new CommandLb(DRAIN, READY, 20_000, new RemoteHost(shell, false, undefined, false), new FakeLocal());
    const err = await lb.undrain(target('web-2')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteCommandError);
    expect((err as Error).message).toBe('"ready-command for web-2" exited with status 3: denied');
  });

  it('a command killed on lb-host at its timeout says so', async () => {
    const shell = new ScriptedShell(target('lb'), () => ({ code: 124, signal: null, stdout: '', stderr: '', durationMs: 20_000 }));
    const lb = new CommandLb(DRAIN, READY, 20_000, new RemoteHost(shell, false, undefined, false), new FakeLocal());
    await expect(lb.drain(target('web-1'))).rejects.toThrow('"drain-command for web-1" ran past its 20s limit and was killed on the host');
  });
});
