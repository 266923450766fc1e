/**
 * The benchmark: `npm run bench` (as root, on Linux, on the real fleet) runs every part;
 * `npm run bench -- --part NAME [--part NAME…]` runs only those. Each part writes
 * bench/results/<part>/<time>.json; BENCHMARKS.md and README.md are then rendered from the newest
 * result of every part. The fleet is torn down at the end unless --keep-fleet.
 * `npm run bench -- --help` lists the parts and their options.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { fleetDown, isRootLinux } from '../test/fleet/fleet';
import { machine, type BenchArgs, type BenchPart, type PartResult } from './part';
import { PARTS } from './parts';
import { publishBench, RESULTS } from './report';

const say = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

const options: NonNullable<ParseArgsConfig['options']> = {
  part: { type: 'string', multiple: true },
  help: { type: 'boolean', default: false },
  'keep-fleet': { type: 'boolean', default: false },
  ...Object.assign({}, ...PARTS.map((p) => p.options ?? {})),
};

function usage(): string {
  const parts = PARTS.map((p) => `  ${p.name.padEnd(12)} ${p.title}`).join('\n');
  const opts = PARTS.flatMap((p) => Object.entries(p.options ?? {}).map(([k, o]) => `  --${k} (${p.name}, default ${String(o.default)})`));
  return `npm run bench -- [--part NAME]... [options]\n\nparts:\n${parts}\n\noptions:\n${opts.join('\n')}\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options });
  if (values.help) return void process.stdout.write(usage());
  const names = (values.part as string[] | undefined) ?? PARTS.map((p) => p.name);
  const unknown = names.filter((n) => !PARTS.some((p) => p.name === n));
  if (unknown.length) throw new Error(`--part: no part named ${unknown.join(', ')}\n\n${usage()}`);
  const env = isRootLinux();
  if (!env.ok) throw new Error(`the benchmark needs the real fleet: ${env.why}`);
  try {
    for (const part of PARTS.filter((p) => names.includes(p.name))) await runPart(part, values);
  } finally {
    // The benchmark leaves nothing behind: the parts bring the fleet up as they need it.
    if (!values['keep-fleet']) fleetDown();
  }
  process.stdout.write(publishBench());
}

async function runPart(part: BenchPart, values: BenchArgs): Promise<void> {
  say(`part ${part.name}: ${part.title}`);
  const date = new Date().toISOString();
  const data = await part.run(values, say);
  const result: PartResult = {
    part: part.name,
    date,
    command: `npm run bench -- --part ${part.name}${flags(part.name)}`,
    machine: machine(),
    data,
  };
  mkdirSync(join(RESULTS, part.name), { recursive: true });
  writeFileSync(join(RESULTS, part.name, `${date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(result, null, 2)}\n`);
}

/** The options given on this command line that belong to the part, to rerun it the same way. */
function flags(name: string): string {
  const own = Object.keys(PARTS.find((p) => p.name === name)?.options ?? {});
  const args = process.argv.slice(2);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    // Only options count: a value (`--part cold`) is never read as an option of its own name.
    if (!arg.startsWith('--')) continue;
    const key = arg.replace(/^--/, '').split('=')[0] ?? '';
    const value = !arg.includes('=') && options[key]?.type === 'string' && args[i + 1] !== undefined ? (args[++i] as string) : undefined;
    if (!own.includes(key)) continue;
    out.push(arg, ...(value === undefined ? [] : [value]));
  }
  return out.length ? ` ${out.join(' ')}` : '';
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
