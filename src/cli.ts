import { runCli } from './cli/run';

/**
 * The `zero-downtime-restart` command (dist/cli.js): the shared core with a terminal's I/O. The
 * exit code is set, not forced, so output is flushed; a short grace then ends a process that
 * something (a stray socket) would keep alive.
 */
void runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  onSignal: (handler) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => handler(signal));
  },
  exitNow: (code) => process.exit(code),
}).then((code) => {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2000).unref();
});
