import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { World } from '../../src/app/io';
import { runCli, type CliProcess } from '../../src/cli/run';
import { FakeClock, FakeConnector, noLocal } from './fakes';

const root = resolve(__dirname, '../..');

/** What scripts/build.mjs embeds into dist/cli.js, embedded the same way for tests run from the sources. */
export function embedBuildGlobals(): void {
  Object.assign(globalThis, {
    __ZDR_ACTION_YML__: readFileSync(resolve(root, 'action.yml'), 'utf8'),
    __ZDR_VERSION__: (JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string }).version,
  });
}

/** A stream that records what is written; a terminal when `isTTY`. */
export class Capture {
  text = '';
  constructor(
    readonly isTTY = false,
    readonly columns = 120,
  ) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

export interface FakeProcess extends CliProcess {
  stdout: Capture;
  stderr: Capture;
  /** Sends a signal to the running command, as the terminal would on Ctrl-C. */
  signal(name: 'SIGINT' | 'SIGTERM'): void;
  exits: number[];
}

/** The CLI's process, faked: captured streams, signals sent by the test, an environment of its own. */
export function fakeProcess(env: NodeJS.ProcessEnv = {}, tty = false): FakeProcess {
  const handlers: ((s: 'SIGINT' | 'SIGTERM') => void)[] = [];
  const proc: FakeProcess = {
    env,
    stdout: new Capture(tty),
    stderr: new Capture(tty),
    onSignal: (h) => void handlers.push(h),
    exitNow: (code) => void proc.exits.push(code),
    signal: (name) => handlers.forEach((h) => h(name)),
    exits: [],
  };
  return proc;
}

export function fakeWorld(connector = new FakeConnector()): World & { connector: FakeConnector } {
  return { connector, connectorFor: () => connector, openLoadBalancer: async () => null, local: noLocal, clock: new FakeClock() };
}

/** Runs the command from the sources with a faked process and world; the exit code and what it printed. */
export async function cli(argv: string[], proc: FakeProcess = fakeProcess(), world: World = fakeWorld()) {
  embedBuildGlobals();
  const code = await runCli(argv, proc, world);
  return { code, stdout: proc.stdout.text, stderr: proc.stderr.text, proc };
}
