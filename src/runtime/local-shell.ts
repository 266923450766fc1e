import { spawn } from 'node:child_process';

/** The outcome of one local command. */
export interface LocalResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Commands on the runner itself (the `command` load balancer's drain/ready commands). */
export interface LocalShell {
  run(script: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<LocalResult>;
}

const OUTPUT_LIMIT = 64 * 1024;

/**
 * The runner's environment without this tool's own inputs: the runner hands the action every
 * input as INPUT_* (the private key and tokens among them) and the command reads ZDR_*, and a
 * user's command that prints its environment (or a tool that logs it) must not carry them on.
 */
export function commandEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^(INPUT|ZDR)_/i.test(name)));
}

/**
 * `sh -c` in its own process group. @actions/exec cannot kill what it started, and a drain command
 * that hangs must not outlive its timeout, so this spawns directly and kills the whole group.
 */
export const processShell: LocalShell = {
  run: (script, { timeoutMs, signal }) =>
    new Promise<LocalResult>((resolve) => {
      const child = spawn('sh', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: commandEnv(process.env) });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      const keep = (acc: string, chunk: Buffer): string =>
        acc.length >= OUTPUT_LIMIT ? acc : acc + chunk.toString('utf8').slice(0, OUTPUT_LIMIT - acc.length);
      child.stdout.on('data', (c: Buffer) => (stdout = keep(stdout, c)));
      child.stderr.on('data', (c: Buffer) => (stderr = keep(stderr, c)));
      const killGroup = (): void => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, timeoutMs);
      signal?.addEventListener('abort', killGroup, { once: true });
      const finish = (code: number | null, sig: string | null, err?: Error): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', killGroup);
        resolve({ code, signal: sig, stdout, stderr: err ? `${stderr}${err.message}` : stderr, timedOut });
      };
      child.on('error', (err) => finish(127, null, err));
      child.on('close', (code, sig) => finish(code, sig));
    }),
};
