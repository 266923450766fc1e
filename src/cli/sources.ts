import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_INPUTS, type InputName, type InputSource } from '../settings/inputs';
import type { ParsedArgs } from './argv';
import { expandHome, readConfigFile } from './config-file';
import { envName, INPUT_NAMES } from './options';

/** Where an input's value came from, for the precedence tests and `--help`'s promise. */
export type Origin = 'flag' | 'env' | 'file' | 'known_hosts' | 'default';

export interface ResolvedInputs {
  source: InputSource;
  origins: Map<InputName, Origin>;
  /** What OpenSSH-style known_hosts files were read when no known-hosts was given. */
  knownHostsFiles: string[];
  errors: string[];
}

/** A value counts as given when it is not blank: '' means "the default", as for the action. */
const given = (value: string | undefined): string | undefined => (value !== undefined && value.trim() !== '' ? value : undefined);

/** Single-line secrets lose the newline an editor leaves at the end of the file. */
const SINGLE_LINE: ReadonlySet<InputName> = new Set(['passphrase', 'jump-passphrase', 'prometheus-token', 'prometheus-basic-auth']);

/**
 * A file given for an input. An empty (or blank) one is refused rather than read as "the default":
 * it is most often a secret that failed to reach the file, and as the default it would hide the
 * value of every lower source (environment, config file) and, for known-hosts, read the OpenSSH files.
 */
function readInputFile(name: InputName, path: string, label: string, errors: string[], given = true): string | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    // Only a file the user named: an empty ~/.ssh/known_hosts (created by `touch`) is no mistake.
    if (given && text.trim() === '') {
      errors.push(`${label}: ${path} is empty; give the value, or leave the input out for its default`);
      return undefined;
    }
    return SINGLE_LINE.has(name) ? text.replace(/\r?\n$/, '') : text;
  } catch (err) {
    errors.push(`${label}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return undefined;
  }
}

/** The files OpenSSH reads when no known-hosts is given: the user's, then the system's. */
export function openSshKnownHostsFiles(home: string): string[] {
  return [join(home, '.ssh', 'known_hosts'), '/etc/ssh/ssh_known_hosts'];
}

/**
 * Every input's value by precedence: flag (`--NAME` or `--NAME-file`) > environment (`ZDR_NAME`,
 * secrets only) > config file (`NAME` or `NAME-file`) > the action's default. With no known-hosts
 * anywhere, the OpenSSH files are read, as `ssh` would. Validation is readSettings' job.
 */
export function resolveInputs(args: ParsedArgs, env: NodeJS.ProcessEnv): ResolvedInputs {
  const home = env.HOME || '/root';
  const errors: string[] = [];
  const file = args.options.config
    ? readConfigFile(expandHome(args.options.config, home), home)
    : { inputs: new Map(), inputFiles: new Map(), errors: [] };
  errors.push(...file.errors);
  const values = new Map<InputName, string>();
  const origins = new Map<InputName, Origin>();
  const secrets: ReadonlySet<InputName> = new Set(SECRET_INPUTS);
  for (const name of INPUT_NAMES) {
    if (args.inputs.has(name) && args.inputFiles.has(name)) errors.push(`--${name} and --${name}-file: give one of them`);
    const fromFlag = given(args.inputs.get(name)) ?? readFlagFile(name, args.inputFiles.get(name), errors);
    const fromEnv = secrets.has(name) ? given(env[envName(name)]) : undefined;
    const fromFile = given(file.inputs.get(name)) ?? readConfigInputFile(name, file.inputFiles.get(name), errors);
    const [value, origin] =
      fromFlag !== undefined
        ? [fromFlag, 'flag' as const]
        : fromEnv !== undefined
          ? [fromEnv, 'env' as const]
          : [fromFile, 'file' as const];
    if (value !== undefined && value.trim() !== '') {
      values.set(name, value);
      origins.set(name, origin);
    } else origins.set(name, 'default');
  }
  const knownHostsFiles = values.has('known-hosts') ? [] : openSshKnownHostsFiles(home).filter((p) => existsSync(p));
  if (knownHostsFiles.length) {
    values.set('known-hosts', knownHostsFiles.map((p) => readInputFile('known-hosts', p, 'known_hosts', errors, false) ?? '').join('\n'));
    origins.set('known-hosts', 'known_hosts');
  }
  return { source: (name) => values.get(name) ?? '', origins, knownHostsFiles, errors };
}

function readFlagFile(name: InputName, path: string | undefined, errors: string[]): string | undefined {
  return path === undefined ? undefined : readInputFile(name, path, `--${name}-file`, errors);
}

function readConfigInputFile(name: InputName, path: string | undefined, errors: string[]): string | undefined {
  return path === undefined ? undefined : readInputFile(name, path, `config '${name}-file'`, errors);
}
