import { describe, expect, it } from 'vitest';
import { rollout } from '../../src/rollout/rollout';
import type { SshTarget } from '../../src/transport/target';
import { FakeLb, fakeDeps } from '../support/fakes';
import { settingsFrom } from '../support/settings';

/** A load balancer that answers the return with the host's state in the same exchange. */
class FoldingLb extends FakeLb {
  /** What the return's own answer says: UP, not yet UP, or nothing about the host. */
  answer: boolean | undefined = true;
  isUpAsked = 0;
  async undrainAndCheck(host: SshTarget): Promise<boolean | undefined> {
    await this.undrain(host);
    return this.answer;
  }
  override async isUp(host: SshTarget): Promise<boolean> {
    this.isUpAsked += 1;
    return super.isUp(host);
  }
}

const inputs = {
  hosts: '- {host: 10.0.0.1, name: web-1}\n- {host: 10.0.0.2, name: web-2}',
  'host-key-check': 'off',
  'check-window': '0',
  service: 'app',
  lb: 'command',
  'drain-command': 'x {name}',
  'ready-command': 'y {name}',
  strategy: 'drain-restart',
} as const;

async function roll(lb: FoldingLb) {
  return (await rollout(settingsFrom(inputs), fakeDeps({ openLoadBalancer: async () => lb }))).report;
}

describe('the return, folded with its first look at the load balancer', () => {
  it('a return answered UP needs no further question and no wait', async () => {
    const lb = new FoldingLb();
    const report = await roll(lb);
    expect(report.status).toBe('success');
    expect(lb.isUpAsked).toBe(0);
    const ret = report.hosts[0]?.phases.find((p) => p.name === 'return');
    expect(ret?.detail).toBe('returned; fake lb sees it UP after 0 ms');
    expect(ret?.waitMs).toBe(0);
  });

  it('a return answered "not yet UP" waits and asks again; one that says nothing asks at once', async () => {
    for (const answer of [false, undefined]) {
      const lb = new FoldingLb();
      lb.answer = answer;
      const report = await roll(lb);
      expect(report.status).toBe('success');
      expect(lb.isUpAsked).toBe(2); // once per host
      const ret = report.hosts[0]?.phases.find((p) => p.name === 'return');
      expect(ret?.waitMs).toBe(answer === false ? 50 : 0); // one return poll interval
    }
  });
});
