import { describe, expect, it } from 'vitest';
import { ProbeSource } from '../../src/checks/sources/probe';
import { RemoteHost } from '../../src/remote/remote-host';
import type { ExecResult } from '../../src/transport/connection';
import { result, ScriptedShell, target } from '../support/scripted-shell';

const URL = "http://127.0.0.1:8080/healthz?a=1&b='x'";

function setup(answers: ExecResult[]) {
  const shell = new ScriptedShell(target('web-1'), (cmd) =>
    cmd.kind === 'probe-burst' ? (answers.shift() ?? result('', 127, 'no more answers')) : result('', 127, `unexpected ${cmd.kind}`),
  );
  return { shell, source: new ProbeSource(new RemoteHost(shell, false, undefined, false), URL) };
}

describe('ProbeSource (check-url probed from the host)', () => {
  it('counts each status line as a request and every non-2xx (000: no answer) as an error, adding up over looks', async () => {
    const t = setup([result('200\n204\n503\n000\n299\n'), result('200\n\n301\n')]);
    expect(await t.source.read()).toEqual({ requests: 5, errors: 2 });
    expect(await t.source.read()).toEqual({ requests: 7, errors: 3 });
    expect(t.source.samples()).toEqual([
      `GET ${URL} → HTTP 503`,
      `GET ${URL} → no response (socket error or timeout)`,
      `GET ${URL} → HTTP 301`,
    ]);
  });

  it('keeps ten error samples at most, while still counting every error', async () => {
    const t = setup([result('500\n'.repeat(25))]);
    expect(await t.source.read()).toEqual({ requests: 25, errors: 25 });
    expect(t.source.samples()).toHaveLength(10);
  });

  it('returns a copy of its counts: a caller cannot change them', async () => {
    const t = setup([result('200\n'), result('200\n')]);
    const first = await t.source.read();
    first.requests = 99;
    expect(await t.source.read()).toEqual({ requests: 2, errors: 0 });
  });

  it('sends one burst of ten requests to the URL, quoted, per look; it has no baseline and marks nothing', async () => {
    const t = setup([result('200\n')]);
    await t.source.mark();
    expect(await t.source.baseline()).toBeNull();
    expect(t.shell.sent).toEqual([]);
    await t.source.read();
    expect(t.shell.sent).toHaveLength(1);
    const script = t.shell.sent[0]?.script ?? '';
    expect(script.split(`--url 'http://127.0.0.1:8080/healthz?a=1&b='\\''x'\\'''`)).toHaveLength(11);
    expect(t.source.description).toBe(`probe of ${URL} from the host`);
  });

  it('a probe command that fails throws (the watch reports it) instead of counting nothing', async () => {
    const t = setup([result('', 127, 'sh: curl: not found')]);
    await expect(t.source.read()).rejects.toThrow(/"probe .*" exited with status 127: sh: curl: not found/);
  });
});
