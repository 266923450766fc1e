import { describe, expect, it } from 'vitest';
import { rollout } from '../../src/rollout/rollout';
import type { LocalShell } from '../../src/runtime/local-shell';
import type { Settings } from '../../src/settings/settings';
import { FakeClock, FakeConnector, noLocal, RecordingJournal, RecordingLog } from '../support/fakes';
import { settingsFrom } from '../support/settings';

const HOSTS = '- {host: 10.0.0.1, name: web-1}\n- {host: 10.0.0.2, name: web-2}\n- {host: 10.0.0.3, name: web-3}';
const base = { hosts: HOSTS, 'host-key-check': 'off', 'check-source': 'command', 'check-window': '5s' } as const;

function go(settings: Settings, local: LocalShell) {
  const connector = new FakeConnector();
  const log = new RecordingLog();
  const run = rollout(settings, {
    connector,
    local,
    clock: new FakeClock(),
    log,
    journal: new RecordingJournal(),
    signal: new AbortController().signal,
    owner: 't',
    openLoadBalancer: async () => null,
  });
  return { connector, log, run };
}

describe('the command source in a rollout', () => {
  it('a check-command that prints something else stops the run in preflight, before any host changes', async () => {
    const t = go(settingsFrom({ ...base, 'check-command': 'counts {name}' }), noLocal);
    const { report } = await t.run;
    expect(report.status).toBe('failed');
    expect(report.failedHost).toBe('check-source command');
    expect(report.failedPhase).toBe('preflight');
    expect(report.reason).toMatch(/^check-command for web-1 printed nothing; expected JSON/);
    expect(['web-1', 'web-2', 'web-3'].map((n) => t.connector.host(n).reloads)).toEqual([0, 0, 0]);
  });

  it('judges each host from the command’s counts: host 2 at 30% errors fails and halts the run', async () => {
    const local: LocalShell = {
      run: async (script) => ({
        code: 0,
        signal: null,
        stdout: script.includes('web-2') ? '{"requests": 100, "errors": 30}' : '{"requests": 100, "errors": 0}',
        stderr: '',
        timedOut: false,
      }),
    };
    const t = go(settingsFrom({ ...base, 'check-command': 'counts {name} {since} {until}' }), local);
    const { report } = await t.run;
    expect(report.hosts.map((h) => h.errors?.verdict ?? null)).toEqual(['pass', 'fail', null]);
    expect(report.failedHost).toBe('web-2');
    expect(report.failedPhase).toBe('watch');
    expect(report.hosts[1]?.errors?.source).toBe('check-command counts {name} {since} {until}');
    expect(t.connector.host('web-3').reloads).toBe(0);
  });
});
