import type { World } from '../app/io';
import { runMain } from '../app/main';
import { maskSecrets } from '../app/mask';
import { runPost } from '../app/post';
import { productionWorld } from '../app/world';
import { notReady } from '../rollout/journal';
import { readSettings } from '../settings/read-settings';
import { cliVersion } from './action-yml';
import { parseArgs, type ParsedArgs } from './argv';
import { helpText } from './help';
import { cliMainIO, cliPostIO, type CliContext, type CliState } from './io';
import { defaultJournalPath, markReconciled, needsReconcile, readJournalFile, unusableJournalPath, writerAlive } from './journal';
import { resolveInputs } from './sources';
import { Printer, Secrets, type OutStream } from './terminal';

/** The exit codes, documented in --help and the README. */
export const EXIT = { success: 0, failed: 1, invalid: 2, cancelled: 130 } as const;

/** What the CLI runs in: the process's streams, environment and signals; tests pass their own. */
export interface CliProcess {
  env: NodeJS.ProcessEnv;
  stdout: OutStream;
  stderr: OutStream;
  onSignal(handler: (signal: 'SIGINT' | 'SIGTERM') => void): void;
  exitNow(code: number): void;
}

/** An error of the command line itself, before any setting is read: exit 2. */
function usageError(err: Printer, lines: string[]): number {
  for (const line of lines) err.line(line, undefined, `${err.paint('red', 'error:')} `);
  return EXIT.invalid;
}

function context(args: ParsedArgs, proc: CliProcess, input: CliContext['input'], stderr: Printer): CliContext {
  const stdout = new Printer(proc.stdout, proc.env, stderr.secrets);
  return {
    input,
    env: proc.env,
    options: args.options,
    journalPath: args.options.journal ?? defaultJournalPath(input, proc.env.HOME || '/root'),
    out: args.options.json ? stderr : stdout,
    json: stdout,
    err: stderr,
    secrets: stderr.secrets,
    onSignal: proc.onSignal,
    exitNow: proc.exitNow,
  };
}

/** The main step: refuses to start over an unreconciled journal, then runs the core. */
async function run(ctx: CliContext, world: World): Promise<number> {
  const previous = readJournalFile(ctx.journalPath);
  if (needsReconcile(previous)) {
    const why = previous.completed
      ? `the last run was cancelled before ${notReady(previous)
          .map((h) => h.name)
          .join(', ')} was ready again`
      : writerAlive(previous)
        ? `a run (pid ${previous.pid}) is still running`
        : 'a previous run did not finish';
    return usageError(ctx.err, [
      `${why}: its journal ${ctx.journalPath} still lists drained hosts or locks. Run \`zero-downtime-restart reconcile\` with the same options first (or give --journal).`,
    ]);
  }
  const state: CliState = { failed: false, stopped: false };
  await runMain(cliMainIO(ctx, state), world);
  if (state.outcome?.report.status === 'invalid') return EXIT.invalid;
  if (!state.failed) return EXIT.success;
  return state.stopped ? EXIT.cancelled : EXIT.failed;
}

/** `reconcile`: the action's post step over the journal file. */
async function reconcile(ctx: CliContext, world: World): Promise<number> {
  const journal = readJournalFile(ctx.journalPath);
  if (!journal) {
    ctx.out.line(`No journal at ${ctx.journalPath}: nothing to reconcile.`);
    return EXIT.success;
  }
  if (needsReconcile(journal) && !journal.completed && writerAlive(journal))
    return usageError(ctx.err, [
      `the run that wrote ${ctx.journalPath} (pid ${journal.pid}) is still running; stop it first (Ctrl-C returns its hosts).`,
    ]);
  const read = readSettings(ctx.input, ctx.env);
  if (!read.ok) return usageError(ctx.err, ['Invalid inputs; nothing was reconciled:', ...read.errors.map((e) => `  - ${e}`)]);
  const state: CliState = { failed: false, stopped: false };
  await runPost(cliPostIO(ctx, state, journal), world);
  if (state.failed && !state.keptOutOnly) {
    ctx.out.line(`The journal ${ctx.journalPath} is kept: run reconcile again once what is named above is fixed.`);
    return EXIT.failed;
  }
  if (state.failed) {
    // What is left was kept out on purpose (a failed check): no later reconcile changes it, so the
    // journal is settled, or every later run would refuse to start over it.
    if (needsReconcile(journal)) markReconciled(ctx.journalPath, journal);
    ctx.out.line('Reconciled: the hosts named above stay out of rotation until you return them.');
    return EXIT.failed;
  }
  const leftLocks = journal.locks.length > 0;
  if (needsReconcile(journal)) markReconciled(ctx.journalPath, journal);
  ctx.out.line(
    needsReconcile(journal)
      ? 'Reconciled: nothing is left drained by the interrupted run.'
      : leftLocks
        ? 'The last run finished; the locks it could not confirm giving back were tried again (see above).'
        : 'Nothing to reconcile: the last run finished.',
  );
  return EXIT.success;
}

/** The `zero-downtime-restart` command: argv in, exit code out. */
export async function runCli(argv: readonly string[], proc: CliProcess, world: World = productionWorld): Promise<number> {
  // One list of secrets for every output: stderr's, stdout's and the --summary file.
  const stderr = new Printer(proc.stderr, proc.env, new Secrets());
  const parsed = parseArgs(argv);
  if (!parsed.ok) return usageError(stderr, [parsed.error]);
  const { args } = parsed;
  if (args.options.help) return (proc.stdout.write(helpText()), EXIT.success);
  if (args.options.version) return (proc.stdout.write(`${cliVersion()}\n`), EXIT.success);
  const resolved = resolveInputs(args, proc.env);
  // Registered before anything can print them, for `reconcile` too: it has no main step to do it.
  maskSecrets({ input: resolved.source, maskSecret: (value) => stderr.secrets.add(value) });
  if (resolved.errors.length) return usageError(stderr, resolved.errors);
  const ctx = context(args, proc, resolved.source, stderr);
  const badJournal = unusableJournalPath(ctx.journalPath);
  if (badJournal) return usageError(stderr, [badJournal]);
  if (resolved.knownHostsFiles.length) ctx.out.line(`known-hosts: read from ${resolved.knownHostsFiles.join(' and ')}`, 'dim');
  try {
    return args.command === 'reconcile' ? await reconcile(ctx, world) : await run(ctx, world);
  } catch (err) {
    return usageError(stderr, [`zero-downtime-restart stopped unexpectedly: ${(err as Error).message}`]);
  }
}
