/**
 * One part of the benchmark: what it measures, how, and how its newest result reads in
 * BENCHMARKS.md and README.md. Parts run alone (`npm run bench -- --part NAME`) and each writes its
 * own result file, so rerunning one part never overwrites another part's figures.
 */
import { cpus, totalmem } from 'node:os';
import type { ParseArgsConfig } from 'node:util';

/** The parsed command line, shared by every part (each part declares its own options). */
export type BenchArgs = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** A result file: bench/results/<part>/<time>.json. */
export interface PartResult<T = unknown> {
  part: string;
  date: string;
  command: string;
  machine: string;
  data: T;
}

/** A row of the targets table: what is aimed at and whether this result meets it. */
export interface Target {
  target: string;
  met: boolean | null;
  result: string;
}

export interface BenchPart<T = unknown> {
  name: string;
  /** One line for `--help` and the page. */
  title: string;
  /** Command-line options this part reads (merged into the one parser). */
  options?: NonNullable<ParseArgsConfig['options']>;
  /** Measures; may bring the fleet up at any size, but leaves it at the default 3 hosts. */
  run(args: BenchArgs, say: (line: string) => void): Promise<T>;
  /** Its section of BENCHMARKS.md (a `## ` heading and what follows). */
  markdown(result: PartResult<T>): string;
  /** Its lines in README.md's benchmark section, if any. */
  readme?(result: PartResult<T>): string;
  targets?(result: PartResult<T>): Target[];
}

export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : Math.round(((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2);
}

/** `median (min–max)` of a list. */
export function spread(values: number[], unit = ''): string {
  if (values.length === 0) return '—';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? `${median(values)}${unit}` : `${median(values)}${unit} (${lo}–${hi})`;
}

/** Milliseconds as seconds with one decimal. */
export const secs = (ms: number): number => Math.round(ms / 100) / 10;

export const met = (ok: boolean | null): string => (ok === null ? 'not measured' : ok ? 'met' : '**missed**');
