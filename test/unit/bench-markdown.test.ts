import { describe, expect, it } from 'vitest';
import { benchmarkMarkdown, withBench } from '../../bench/markdown';
import type { BenchPart, PartResult } from '../../bench/part';

const part = (name: string, value: number): BenchPart<{ value: number }> => ({
  name,
  title: `part ${name}`,
  run: () => Promise.resolve({ value }),
  markdown: (r) => `## ${r.part}\n\nvalue ${r.data.value}\n`,
  readme: (r) => `${r.part} is ${r.data.value}`,
  targets: (r) => [{ target: `${r.part} ≤ 10`, met: r.data.value <= 10, result: String(r.data.value) }],
});
const result = (name: string, value: number): PartResult<{ value: number }> => ({
  part: name,
  date: '2026-11-30T00:00:00.000Z',
  command: `npm run bench -- --part ${name}`,
  machine: 'test machine',
  data: { value },
});

describe('the benchmark page', () => {
  it('shows each part that has a result, names the ones without, and gathers every target', () => {
    const page = benchmarkMarkdown([
      { part: part('a', 3) as BenchPart, result: result('a', 3) },
      { part: part('b', 30) as BenchPart, result: result('b', 30) },
      { part: part('c', 1) as BenchPart, result: null },
    ]);
    expect(page).toContain('## a\n\nvalue 3');
    expect(page).toContain('## b\n\nvalue 30');
    expect(page).not.toContain('## c');
    expect(page).toContain('Not measured yet: `c`');
    expect(page).toContain('| a ≤ 10 | met: 3 |');
    expect(page).toContain('| b ≤ 10 | **missed**: 30 |');
  });

  it("replaces only README's marked section, with every part's lines", () => {
    const readme = 'before\n<!-- bench:start -->\nold\n<!-- bench:end -->\nafter\n';
    const out = withBench(readme, [
      { part: part('a', 3) as BenchPart, result: result('a', 3) },
      { part: part('b', 4) as BenchPart, result: null },
    ]);
    expect(out).toBe('before\n<!-- bench:start -->\na is 3\n<!-- bench:end -->\nafter\n');
    expect(() => withBench('no markers', [])).toThrow(/bench:start/);
  });
});
