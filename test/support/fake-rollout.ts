/**
 * A rollout on the fakes behind a load balancer: the inputs of a drain-restart with `lb: command`
 * (the load balancer itself is the FakeLb passed in) and the rollout with every side effect faked.
 */
import type { LoadBalancer } from '../../src/lb/load-balancer';
import { rollout } from '../../src/rollout/rollout';
import type { Settings } from '../../src/settings/settings';
import { FakeClock, FakeConnector, noLocal, RecordingJournal, RecordingLog } from './fakes';

/** The hosts web-1 … web-N at 10.0.0.1 … 10.0.0.N, as the `hosts` input's YAML list. */
export const fakeHostsYaml = (n: number): string =>
  Array.from({ length: n }, (_, i) => `- {host: 10.0.0.${i + 1}, name: web-${i + 1}}`).join('\n');

/** A drain-restart of `n` hosts, no check window, host keys not checked (the fakes have none). */
export const drainInputs = (n: number) => ({
  hosts: fakeHostsYaml(n),
  'host-key-check': 'off',
  'check-window': '0',
  strategy: 'drain-restart',
  lb: 'command',
  'drain-command': 'x {name}',
  'ready-command': 'y {name}',
});

/** The rollout of `settings` with `lb` as its load balancer, as `test run 1`; `go` runs it. */
export function fakeRollout(settings: Settings, lb: LoadBalancer) {
  const connector = new FakeConnector();
  const log = new RecordingLog();
  const journal = new RecordingJournal();
  const go = () =>
    rollout(settings, {
      connector,
      local: noLocal,
      clock: new FakeClock(),
      log,
      journal,
      signal: new AbortController().signal,
      owner: 'test run 1',
      openLoadBalancer: async () => lb,
    });
  return { connector, log, journal, go };
}
