import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Report } from '../../src/report/report';

export const DIST = resolve(__dirname, '../../dist/index.js');

export interface ActionRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** Step state saved for the post step (name → value). */
  state: Record<string, string>;
  report: Report | null;
  /** `::error` and `::warning` workflow commands printed. */
  annotations: { kind: string; text: string }[];
  durationMs: number;
}

/** Parses GITHUB_OUTPUT / GITHUB_STATE files: `name<<DELIM` heredocs and `name=value` lines. */
export function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) body.push(lines[i] as string);
      out[heredoc[1] as string] = body.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

function annotations(stdout: string): ActionRun['annotations'] {
  return [...stdout.matchAll(/^::(error|warning)[^:]*::(.*)$/gm)].map((m) => ({
    kind: m[1] as string,
    text: (m[2] as string).replace(/%0A/g, '\n').replace(/%25/g, '%'),
  }));
}

export interface RunOptions {
  env?: Record<string, string>;
  /** Saved state from a main step, to run the post step. */
  state?: Record<string, string>;
  timeoutMs?: number;
  onChild?: (child: ChildProcess) => void;
  /** Live stdout lines (progress), for tests that act mid-run. */
  onLine?: (line: string) => void;
  /** Node binary that runs dist/index.js; default `$ZDR_NODE` when set (e.g. `ZDR_NODE=$(scripts/node24.sh)`), else this process's node. */
  node?: string;
  /** The bundle to run instead of dist/index.js (the benchmark measures an older build beside the current one; the scale simulation one built from the sources). */
  dist?: string;
}

/**
 * Runs the built action the way the runner does: inputs as INPUT_* variables, outputs, summary and
 * state through files, the post step when `state` is given.
 */
export function runAction(inputs: Record<string, string>, options: RunOptions = {}): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'zdr-run-'));
  const files = { out: join(dir, 'output'), summary: join(dir, 'summary'), state: join(dir, 'state') };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    GITHUB_OUTPUT: files.out,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    RUNNER_TEMP: dir,
    ...options.env,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(options.node ?? (process.env.ZDR_NODE || process.execPath), [options.dist ?? DIST], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    options.onChild?.(child);
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (c: Buffer) => {
      const text = c.toString();
      stdout += text;
      if (options.onLine) {
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        lines.forEach(options.onLine);
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const outputs = parseCommandFile(readFileSync(files.out, 'utf8'));
      let report: Report | null = null;
      try {
        report = outputs.report ? (JSON.parse(outputs.report) as Report) : null;
      } catch {
        report = null;
      }
      const result: ActionRun = {
        code,
        signal,
        stdout,
        stderr,
        outputs,
        summary: readFileSync(files.summary, 'utf8'),
        state: parseCommandFile(readFileSync(files.state, 'utf8')),
        report,
        annotations: annotations(stdout),
        durationMs: Date.now() - started,
      };
      rmSync(dir, { recursive: true, force: true });
      resolvePromise(result);
    });
  });
}
