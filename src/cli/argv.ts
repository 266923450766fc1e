import { SECRET_INPUTS, type InputName } from '../settings/inputs';
import { BOOLEAN_INPUTS, FILE_INPUTS, isInputName, type CliOptions } from './options';

/** A command line, parsed: the command, the CLI's own options, inputs given as flags, and files to read inputs from. */
export interface ParsedArgs {
  command: 'run' | 'reconcile';
  options: CliOptions;
  /** Inputs given on the command line, exactly as given. */
  inputs: Map<InputName, string>;
  /** `--NAME-file PATH`: inputs whose text is read from a file. */
  inputFiles: Map<InputName, string>;
}

export type ArgsResult = { ok: true; args: ParsedArgs } | { ok: false; error: string };

const OWN_VALUED = { '--config': 'config', '-c': 'config', '--summary': 'summary', '--journal': 'journal' } as const;
const OWN_SWITCHES = { '--json': 'json', '--help': 'help', '-h': 'help', '--version': 'version' } as const;

/** `--name=value` or `--name value`: the name, and the value when it is attached. */
function split(arg: string): { flag: string; attached?: string } {
  const eq = arg.indexOf('=');
  return eq > 0 && arg.startsWith('--') ? { flag: arg.slice(0, eq), attached: arg.slice(eq + 1) } : { flag: arg };
}

const SHORT_FLAGS: ReadonlySet<string> = new Set(
  [...Object.keys(OWN_VALUED), ...Object.keys(OWN_SWITCHES)].filter((f) => /^-[^-]/.test(f)),
);

/** `--name`, `--name=...` or a short flag of ours: never taken as the previous flag's value. */
function looksLikeFlag(arg: string): boolean {
  return /^--[A-Za-z]/.test(arg) || SHORT_FLAGS.has(arg);
}

/** `--config` for `-c`: only the long form takes an attached `=value`. */
function longForm(flag: string): string {
  const own = OWN_VALUED[flag as keyof typeof OWN_VALUED];
  return (Object.keys(OWN_VALUED) as (keyof typeof OWN_VALUED)[]).find((k) => k.startsWith('--') && OWN_VALUED[k] === own) ?? flag;
}

const SECRET_FLAGS: ReadonlySet<string> = new Set(SECRET_INPUTS.map((n) => `--${n}`));

/**
 * A command line is parsed before any secret is registered for redaction, so its errors must not
 * echo one: an argument right after a secret's value may be the rest of it (`--passphrase two
 * words` unquoted), and a secret's value is never shown, even when it looks like a flag.
 */
const notShown = (flag: string): string =>
  `not shown: it may be part of the secret given to ${flag}; quote a value that holds spaces, or give it as ${flag}-file or in the environment`;

class Cursor {
  i = 0;
  /** The secret flag whose value was the last argument taken: the next argument may be more of it. */
  afterSecret: string | undefined;
  constructor(readonly argv: readonly string[]) {}
  next(): string | undefined {
    return this.argv[this.i++];
  }
  /**
   * The flag's value: attached, or the next argument, which must exist and not be a flag: with the
   * value left out, `--rollback-command --dry-run` would otherwise swallow `--dry-run` and run live.
   */
  value(flag: string, attached: string | undefined): string {
    if (attached !== undefined) return attached;
    const v = this.argv[this.i];
    if (v === undefined) throw new Error(`${flag} needs a value`);
    // The flag that follows is named without its `=value`, which may be a secret (`--passphrase=…`).
    if (looksLikeFlag(v))
      throw new Error(
        `${flag} needs a value, not ${SECRET_FLAGS.has(flag) ? 'a flag' : `the flag ${split(v).flag}`} (to give a value that looks like a flag, write ${longForm(flag)}=VALUE)`,
      );
    this.i++;
    return v;
  }
}

/** One flag into `args`; throws with a message naming the flag when it is not one. */
function take(args: ParsedArgs, cursor: Cursor, arg: string): void {
  const { flag, attached } = split(arg);
  if (Object.hasOwn(OWN_SWITCHES, flag) && attached === undefined) {
    args.options[OWN_SWITCHES[flag as keyof typeof OWN_SWITCHES]] = true;
    return;
  }
  if (Object.hasOwn(OWN_VALUED, flag)) {
    args.options[OWN_VALUED[flag as keyof typeof OWN_VALUED]] = cursor.value(flag, attached);
    return;
  }
  const name = flag.slice(2);
  if (flag.startsWith('--') && isInputName(name)) {
    // A boolean input may stand alone (`--dry-run`); any other takes a value.
    args.inputs.set(name, BOOLEAN_INPUTS.has(name) && attached === undefined ? 'true' : cursor.value(flag, attached));
    if (SECRET_FLAGS.has(flag)) cursor.afterSecret = flag;
    return;
  }
  const base = name.replace(/-file$/, '');
  if (flag.startsWith('--') && name.endsWith('-file') && isInputName(base) && FILE_INPUTS.has(base)) {
    args.inputFiles.set(base, cursor.value(flag, attached));
    return;
  }
  throw new Error(`unknown option ${flag} (zero-downtime-restart --help lists them)`);
}

/**
 * Parses the command line: `[reconcile] [options]`. Every action input is a flag of the same name;
 * errors name the flag. Values are not validated here: src/settings does that, for every source.
 */
export function parseArgs(argv: readonly string[]): ArgsResult {
  const args: ParsedArgs = {
    command: 'run',
    options: { json: false, help: false, version: false },
    inputs: new Map(),
    inputFiles: new Map(),
  };
  const cursor = new Cursor(argv);
  let secret: string | undefined;
  try {
    for (let arg = cursor.next(); arg !== undefined; arg = cursor.next()) {
      secret = cursor.afterSecret;
      cursor.afterSecret = undefined;
      if (cursor.i === 1 && arg === 'reconcile') args.command = 'reconcile';
      else if (cursor.i === 1 && arg === 'help') args.options.help = true;
      else if (arg.startsWith('-')) take(args, cursor, arg);
      else
        throw new Error(
          `unexpected argument ${secret ? `after ${secret}'s value (${notShown(secret)})` : JSON.stringify(arg)}: the commands are \`zero-downtime-restart [options]\` and \`zero-downtime-restart reconcile [options]\``,
        );
    }
  } catch (err) {
    const message = (err as Error).message;
    // An unknown option right after a secret's value may be a piece of it that starts with `-`.
    if (secret && message.startsWith('unknown option'))
      return { ok: false, error: `unknown option after ${secret}'s value (${notShown(secret)})` };
    return { ok: false, error: message };
  }
  return { ok: true, args };
}
