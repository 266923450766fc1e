import { INPUT_DEFAULTS, SECRET_INPUTS, type InputName } from '../settings/inputs';

/**
 * The CLI's settings are the action's inputs, nothing more: each input is a flag of the same name
 * and a key of the config file, and secrets also come from the environment. This file says which
 * input takes which extra form; the names, defaults and validation stay those of src/settings.
 */

export const INPUT_NAMES = Object.keys(INPUT_DEFAULTS) as InputName[];

export const isInputName = (name: string): name is InputName => Object.hasOwn(INPUT_DEFAULTS, name);

/** Inputs that are `true`/`false`: a bare `--dry-run` means true. */
export const BOOLEAN_INPUTS: ReadonlySet<InputName> = new Set(INPUT_NAMES.filter((n) => /^(true|false)$/.test(INPUT_DEFAULTS[n])));

/**
 * Inputs that also take `--NAME-file PATH` (and `NAME-file:` in the config file): the multi-line
 * ones, and the secrets, which are better kept out of the process list and the shell's history.
 */
export const FILE_INPUTS: ReadonlySet<InputName> = new Set<InputName>([
  'hosts',
  'known-hosts',
  'dependency-checks',
  'check-ignore-paths',
  ...SECRET_INPUTS,
]);

/** The environment variable a secret input is read from: `ZDR_PRIVATE_KEY` for private-key. */
export const envName = (name: InputName): string => `ZDR_${name.toUpperCase().replace(/-/g, '_')}`;

export const SECRET_ENV: ReadonlyMap<string, InputName> = new Map(SECRET_INPUTS.map((n) => [envName(n), n]));

/** The CLI's own options, beside the inputs. */
export interface CliOptions {
  config?: string;
  json: boolean;
  summary?: string;
  journal?: string;
  help: boolean;
  version: boolean;
}

/** The CLI's own flags, for --help: [flag, what it does]. */
export const CLI_FLAGS: readonly (readonly [string, string])[] = [
  ['-c, --config FILE', 'YAML file whose keys are the input names below (and NAME-file keys); paths in it are relative to it.'],
  ['--json', 'Print the report as JSON on stdout (the progress goes to stderr).'],
  ['--summary FILE', 'Write the Markdown summary (the one the action puts in the job summary) to FILE.'],
  ['--journal FILE', 'Where the run records drained hosts and locks for `reconcile` (default: see JOURNAL below).'],
  ['-h, --help', 'This help.'],
  ['--version', 'The version.'],
];
