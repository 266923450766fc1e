import { describe, expect, it } from 'vitest';
import { summaryMarkdown } from '../../src/report/summary';
import { rollout } from '../../src/rollout/rollout';
import { VirtualClock, FakeConnector, noLocal, RecordingJournal, RecordingLog } from '../support/fakes';
import { settingsFrom } from '../support/settings';

const hostsYaml = (n: number): string => Array.from({ length: n }, (_, i) => `- {host: 10.0.0.${i + 1}, name: web-${i + 1}}`).join('\n');

async function run(n: number, inputs: Record<string, string>, failing: string[] = []) {
  const connector = new FakeConnector();
  for (const name of failing) connector.host(name).readiness = ['500'];
  const settings = settingsFrom({
    hosts: hostsYaml(n),
    'host-key-check': 'off',
    'check-window': '0',
    'readiness-url': 'http://127.0.0.1/healthz',
    'readiness-timeout': '2s',
    ...inputs,
  });
  const deps = {
    connector,
    local: noLocal,
    clock: new VirtualClock(),
    log: new RecordingLog(),
    journal: new RecordingJournal(),
    signal: new AbortController().signal,
    owner: 'test',
    openLoadBalancer: async () => null,
  };
  return (await rollout(settings, deps)).report;
}

describe('the summary of a run in batches', () => {
  it('one host at a time (the default): the table has no batch column, as before', async () => {
    const md = summaryMarkdown(await run(3, {}), []);
    expect(md).toContain('| host | strategy | result | errors in watch window | load balancer | took | phases |');
  });

  it('a batch column, and a headline naming the failed batch and that no later batch started', async () => {
    const report = await run(9, { batches: '1, 3' }, ['web-3']);
    const md = summaryMarkdown(report, []);
    expect(md).toContain('| host | batch | strategy | result | errors in watch window | load balancer | took | phases |');
    expect(md).toMatch(/\| web-3 \(10\.0\.0\.3\) \| 2 \| reload \| ❌ failed in ready \|/);
    expect(md).toMatch(/\| web-9 \(10\.0\.0\.9\) \| 4 \| reload \| ⏭️ untouched \|/);
    expect(md).toMatch(
      /^\*\*Failed at web-3 in phase ready\*\* after .*Batch 2 of 4 failed; 3 hosts done, 5 hosts not changed; no later batch started\./m,
    );
  });

  it('tolerated failures: a successful run says which hosts failed within max-failed-hosts', async () => {
    const md = summaryMarkdown(await run(9, { batches: '1, 3', 'max-failed-hosts': '1' }, ['web-3']), []);
    expect(md).toMatch(/^\*\*8 of 9 hosts restarted\*\* in .*; 1 host failed, within max-failed-hosts: web-3 \(see below\)\./m);
  });

  it('many hosts: the timeline has a section per batch, so the hosts of a batch show as parallel bars', async () => {
    const md = summaryMarkdown(await run(12, { batches: '1, 3, 50%' }), []);
    const sections = md.split('\n').filter((l) => l.startsWith('  section '));
    expect(sections).toEqual(['  section preflight', '  section batch 1', '  section batch 2', '  section batch 3', '  section batch 4']);
  });
});
