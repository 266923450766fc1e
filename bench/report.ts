/**
 * Writes BENCHMARKS.md and README.md's benchmark section from a results file (default: the newest
 * in bench/results/). `npm run bench` does this itself; this reruns only the writing.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { benchmarkMarkdown, withBench, type BenchResult } from './markdown';

const root = resolve(__dirname, '..');

export function publishBench(result: BenchResult): string {
  const markdown = benchmarkMarkdown(result);
  writeFileSync(join(root, 'BENCHMARKS.md'), markdown);
  const readme = join(root, 'README.md');
  writeFileSync(readme, withBench(readFileSync(readme, 'utf8'), result));
  return markdown;
}

if (require.main === module) {
  const dir = join(root, 'bench/results');
  const file =
    process.argv[2] ??
    join(
      dir,
      readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .at(-1) ?? '',
    );
  process.stdout.write(publishBench(JSON.parse(readFileSync(file, 'utf8')) as BenchResult));
}
