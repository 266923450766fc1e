import { describe, expect, it } from 'vitest';
import { batchSizes, parseBatches, parseMaxFailed, shareOf } from '../../src/settings/batches';
import { readSettings } from '../../src/settings/read-settings';
import type { InputName } from '../../src/settings/inputs';

const hosts = (n: number): string => Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}`).join('\n');

function read(inputs: Partial<Record<InputName, string>>) {
  return readSettings((name) => ({ 'host-key-check': 'off', hosts: hosts(9), ...inputs })[name] ?? '', { SSH_AUTH_SOCK: '/tmp/a' });
}

function sizes(text: string, total: number): number[] {
  const parsed = parseBatches(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return batchSizes(parsed.value, total);
}

describe('batches: parsing', () => {
  it('reads an Ansible-style list, comma-separated, one per line, or as a YAML flow or block list', () => {
    const expected = [{ count: 1 }, { count: 5 }, { percent: 25 }];
    for (const text of ['1, 5, 25%', '1,5,25%', '1\n5\n25%', '[1, 5, 25%]', '- 1\n- 5\n- 25%', ' 1 ,  5 , 25 % '])
      expect(parseBatches(text), JSON.stringify(text)).toEqual({ ok: true, value: expected });
    expect(parseBatches('12.5%')).toEqual({ ok: true, value: [{ percent: 12.5 }] });
  });

  it.each([
    ['0', /entry 1 must be a number of hosts from 1/],
    ['1, 0', /entry 2 must be a number of hosts from 1/],
    ['0%', /entry 1 must be a percentage above 0% and at most 100%/],
    ['150%', /at most 100%/],
    ['-1', /entry 1 must be a number of hosts \(5\) or a percentage of the fleet \(25%\), got "-1"/],
    ['1.5', /got "1.5"/],
    ['two', /got "two"/],
    ['1,,5', /entry 2 is empty/],
    ['1, 5,', /entry 3 is empty/],
    ['[]', /expected a list such as 1, 5, 25%/],
  ])('refuses %j with a reason', (text, reason) => {
    const parsed = parseBatches(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(reason);
  });

  it('a bad value is an error naming the input, among the others, before anything runs', () => {
    const r = read({ batches: '1, 0%', 'max-failed-hosts': 'some' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContainEqual(expect.stringMatching(/^Input 'batches': entry 2 must be a percentage above 0%/));
    expect(r.errors).toContainEqual(expect.stringMatching(/^Input 'max-failed-hosts': expected a number of hosts \(2\) or a percentage/));
  });
});

describe('batches: sizes over the fleet', () => {
  it('1 (the default) is one host at a time', () => {
    const r = read({});
    expect(r.ok && r.settings.batches).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(r.ok && r.settings.maxFailedHosts).toBe(0);
  });

  it('1, 3 over 9 hosts: a canary, then threes, then a last partial batch', () => {
    expect(sizes('1, 3', 9)).toEqual([1, 3, 3, 2]);
    const r = read({ batches: '1, 3' });
    expect(r.ok && r.settings.batches).toEqual([1, 3, 3, 2]);
  });

  it('1, 5, 25%: the canary, five, then a quarter of the fleet per batch until done', () => {
    expect(sizes('1, 5, 25%', 9)).toEqual([1, 5, 2, 1]); // 25% of 9 = 2.25 → 2
    expect(sizes('1, 5, 25%', 20)).toEqual([1, 5, 5, 5, 4]);
    expect(sizes('1, 5, 25%', 100)).toEqual([1, 5, 25, 25, 25, 19]);
    expect(sizes('1, 5, 25%', 3)).toEqual([1, 2]);
  });

  it('percentages round down, never below 1', () => {
    expect(shareOf(25, 9)).toBe(2);
    expect(shareOf(50, 5)).toBe(2);
    expect(shareOf(10, 3)).toBe(1); // 0.3 → at least 1
    expect(shareOf(100, 7)).toBe(7);
    expect(shareOf(33.3, 100)).toBe(33);
    expect(shareOf(20, 10)).toBe(2); // exact shares are not lost to floating point
    expect(sizes('10%', 3)).toEqual([1, 1, 1]);
    expect(sizes('50%', 5)).toEqual([2, 2, 1]);
  });

  it('a count larger than the fleet is one batch of every host; sizes always sum to the fleet', () => {
    expect(sizes('50', 9)).toEqual([9]);
    for (const spec of ['1', '2', '1, 5, 25%', '30%', '3, 1', '7%'])
      for (const n of [1, 2, 9, 10, 37, 1000])
        expect(
          sizes(spec, n).reduce((a, b) => a + b, 0),
          `${spec} over ${n}`,
        ).toBe(n);
  });
});

describe('max-failed-hosts', () => {
  it('a count, or a percentage of the fleet rounded down', () => {
    expect(parseMaxFailed('0', 9)).toEqual({ ok: true, value: 0 });
    expect(parseMaxFailed('2', 9)).toEqual({ ok: true, value: 2 });
    expect(parseMaxFailed('10%', 9)).toEqual({ ok: true, value: 0 });
    expect(parseMaxFailed('50%', 9)).toEqual({ ok: true, value: 4 });
    expect(parseMaxFailed('100%', 9)).toEqual({ ok: true, value: 9 });
    for (const bad of ['-1', 'x', '150%', '1.5']) expect(parseMaxFailed(bad, 9).ok, bad).toBe(false);
  });
});
