import { writeFileSync } from 'node:fs';
import type { MainIO, Outcome, PostIO } from '../app/io';
import type { Report } from '../report/report';
import { summaryMarkdown } from '../report/summary';
import type { InputSource } from '../settings/inputs';
import { FileJournal, type JournalFile } from './journal';
import { CliLog } from './log';
import type { CliOptions } from './options';
import { inert, type Printer, type Secrets } from './terminal';

/** What the CLI's I/O needs: the inputs, where to print, and the process's signals. */
export interface CliContext {
  input: InputSource;
  env: NodeJS.ProcessEnv;
  options: CliOptions;
  journalPath: string;
  /** Human output: stdout, or stderr with --json (stdout is then the JSON alone). */
  out: Printer;
  /** The JSON report's stream (stdout). */
  json: Printer;
  err: Printer;
  /** The secrets every output redacts: the three Printers' (one list) and the --summary file's. */
  secrets: Secrets;
  onSignal(handler: (signal: 'SIGINT' | 'SIGTERM') => void): void;
  /** Ends the process now (the third Ctrl-C). */
  exitNow(code: number): void;
}

/** What the run ended with, for the exit code. */
export interface CliState {
  outcome?: Outcome;
  failed: boolean;
  stopped: boolean;
  /** reconcile: what it left drained was kept out on purpose; no later reconcile changes it. */
  keptOutOnly?: boolean;
}

const ms = (n: number): string => (n < 10_000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`);

/** The end of a run, for a person: one line per host, then the verdict. */
function finalLines(out: Printer, report: Report): void {
  if (report.status === 'invalid') return;
  const mark = { success: out.paint('green', '✓'), failed: out.paint('red', '✗'), skipped: '-', planned: '·' };
  for (const h of report.hosts) {
    const time = h.phases.reduce((n, p) => n + p.durationMs, 0);
    out.line(`${h.name}  ${h.status}  ${h.strategy}  ${ms(time)}  load balancer: ${h.lbState}`, undefined, `${mark[h.status]} `);
  }
  if (report.status === 'success')
    out.line(`${report.dryRun ? 'Dry run passed' : 'Rollout succeeded'} in ${ms(report.durationMs)}.`, 'green');
  else out.line(`Rollout failed: ${report.failedHost} in ${report.failedPhase}: ${report.reason}`, 'red');
}

/**
 * The --summary file: the action's job summary, with what the CLI's streams get too. Secrets are
 * redacted from the report before it is rendered: the Markdown escapes host text (`|` → `\|`,
 * `<` → `&lt;`…), after which a secret would no longer be found as written. Then inert, as every
 * line printed is: the file may well be read with `cat`.
 */
function summaryFile(secrets: Secrets, outcome: Outcome): string {
  const { report, plan, errors } = secrets.redactAll(outcome);
  return inert(summaryMarkdown(report, plan, errors));
}

/** Writes --summary and --json, prints the plan and the end of the run. */
function publish(ctx: CliContext, state: CliState, outcome: Outcome): void {
  state.outcome = outcome;
  const { report, plan, errors } = outcome;
  if (plan.length) for (const line of plan) ctx.out.line(line);
  if (ctx.options.summary) writeFileSync(ctx.options.summary, summaryFile(ctx.secrets, outcome));
  if (ctx.options.json) ctx.json.json(errors.length ? { ...report, errors } : report);
  finalLines(ctx.out, report);
}

/**
 * Signals as a person at a terminal sends them: the first Ctrl-C (or SIGTERM) stops the run at
 * the next safe point, returning a drained, healthy host; the second says it is on its way; the
 * third exits at once, leaving the journal for `reconcile`.
 */
function stopOnSignals(ctx: CliContext, state: CliState, log: CliLog, stop: (signal: string) => void): void {
  let count = 0;
  ctx.onSignal((signal) => {
    count += 1;
    state.stopped = true;
    if (count === 1) return stop(signal);
    if (count === 2) {
      log.aside(() =>
        ctx.err.line(
          'Still stopping safely (returning the drained host). Ctrl-C once more exits at once; then run `zero-downtime-restart reconcile`.',
          'yellow',
        ),
      );
      return;
    }
    log.aside(() =>
      ctx.err.line(
        `Exiting now. The journal ${ctx.journalPath} holds what was left; run \`zero-downtime-restart reconcile\` with the same options.`,
        'red',
      ),
    );
    ctx.exitNow(130);
  });
}

/** The core's main-step I/O on a terminal or a CI log. */
export function cliMainIO(ctx: CliContext, state: CliState): MainIO {
  // stderr shares the terminal with the live line on stdout: its lines go above it too.
  const log = new CliLog(ctx.out, ctx.env.ZDR_DEBUG === '1');
  return {
    input: ctx.input,
    env: ctx.env,
    fail: (message) => {
      state.failed = true;
      if (message !== undefined) log.aside(() => ctx.err.line(message, undefined, `${ctx.err.paint('red', 'error:')} `));
    },
    maskSecret: (value) => ctx.secrets.add(value),
    log,
    openJournal: (owner) => new FileJournal(ctx.journalPath, owner),
    publish: async (outcome) => publish(ctx, state, outcome),
    onStop: (stop) => stopOnSignals(ctx, state, log, stop),
  };
}

/** The core's post-step I/O, for `reconcile`: the journal file of the run it reconciles. */
export function cliPostIO(ctx: CliContext, state: CliState, journal: JournalFile | null): PostIO {
  return {
    input: ctx.input,
    env: ctx.env,
    fail: (message) => {
      state.failed = true;
      if (message !== undefined) ctx.err.line(message, undefined, `${ctx.err.paint('red', 'error:')} `);
    },
    maskSecret: (value) => ctx.secrets.add(value),
    readJournal: () => journal,
    keptOutOnly: () => void (state.keptOutOnly = true),
    log: {
      info: (m) => ctx.out.line(m),
      warning: (m) => ctx.out.line(m, undefined, `${ctx.out.paint('yellow', 'warning:')} `),
      error: (m, title) => ctx.err.line(`${title}: ${m}`, undefined, `${ctx.err.paint('red', 'error:')} `),
    },
  };
}
