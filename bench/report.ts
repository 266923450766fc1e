/**
 * Writes BENCHMARKS.md and README.md's benchmark section from the newest result of every part
 * (bench/results/<part>/*.json). `npm run bench` does this itself; this reruns only the writing.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { benchmarkMarkdown, withBench, type Shown } from './markdown';
import type { PartResult } from './part';
import { PARTS } from './parts';

const root = resolve(__dirname, '..');
export const RESULTS = join(root, 'bench/results');

function newest(part: string): PartResult | null {
  const dir = join(RESULTS, part);
  if (!existsSync(dir)) return null;
  const file = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .at(-1);
  return file ? (JSON.parse(readFileSync(join(dir, file), 'utf8')) as PartResult) : null;
}

export function publishBench(): string {
  const shown: Shown[] = PARTS.map((part) => ({ part, result: newest(part.name) }));
  const markdown = benchmarkMarkdown(shown);
  writeFileSync(join(root, 'BENCHMARKS.md'), markdown);
  const readme = join(root, 'README.md');
  writeFileSync(readme, withBench(readFileSync(readme, 'utf8'), shown));
  return markdown;
}

if (require.main === module) process.stdout.write(publishBench());
