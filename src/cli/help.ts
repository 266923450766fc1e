import { SECRET_INPUTS, type InputName } from '../settings/inputs';
import { actionInputs, type InputSpec } from './action-yml';
import { BOOLEAN_INPUTS, CLI_FLAGS, envName, FILE_INPUTS, isInputName } from './options';

const WIDTH = 100;
const INDENT = '      ';

/** Words into lines of at most WIDTH columns, each starting with `indent`. */
export function wrap(text: string, indent: string = INDENT): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

/** One input's entry: its flag forms, then action.yml's description and default, word for word. */
export function inputHelp(name: InputName, spec: InputSpec): string[] {
  const flag = BOOLEAN_INPUTS.has(name) ? `--${name}[=true|false]` : `--${name} VALUE`;
  const forms = [flag, ...(FILE_INPUTS.has(name) ? [`--${name}-file FILE`] : [])];
  const secret = (SECRET_INPUTS as readonly string[]).includes(name);
  const extras = [
    spec.required ? 'Required.' : spec.default ? `Default: ${spec.default}.` : '',
    secret ? `Secret: also from $${envName(name)}.` : '',
  ].filter(Boolean);
  return [`  ${forms.join(', ')}`, ...wrap(`${spec.description} ${extras.join(' ')}`)];
}

const SECRET_ENVS = SECRET_INPUTS.map(envName).join(', ');

const USAGE = `Usage:
  zero-downtime-restart [options]            roll the hosts, one at a time (the action's main step)
  zero-downtime-restart reconcile [options]  after a run that was killed: return the hosts it left
                                             drained (healthy ones) and release its locks (the
                                             action's post step); give it the same options

The same engine as the zero-downtime-restart GitHub Action: every input of the action is a flag of
the same name and a key of the YAML config file (-c). Precedence: flag > environment (secrets
only: ${SECRET_ENVS}) > config file > default. SSH authenticates with private-key when given, else with the ssh-agent at $SSH_AUTH_SOCK.
Without known-hosts, ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts are read, as OpenSSH does.`;

const TAIL = `JOURNAL
  Each run records the hosts it drains and the locks it takes in a journal file, default
  ~/.zero-downtime-restart/journal-<fleet>.json (<fleet>: a digest of hosts, lb and lb-host), so
  \`zero-downtime-restart reconcile\` with the same options finds it. A run refuses to start while an
  unreconciled journal of its fleet is there.

EXIT CODES
  0    success (or a dry run that passed preflight; reconcile: nothing left drained)
  1    the rollout failed (a host failed and the run halted; reconcile: a host left drained)
  2    invalid input: bad flags, config file or settings; no host was touched
  130  cancelled (Ctrl-C / SIGINT or SIGTERM): stopped at a safe point, drained hosts returned

Ctrl-C once stops at the next safe point and returns a drained, healthy host to service; a third
Ctrl-C exits at once (then run reconcile). Colour only on a terminal, never with NO_COLOR set.`;

/** --help: the usage, the CLI's own flags, then every input from action.yml (description and default). */
export function helpText(inputs = actionInputs()): string {
  const own = CLI_FLAGS.flatMap(([flag, what]) => [`  ${flag}`, ...wrap(what)]);
  const perInput = inputs.flatMap(([name, spec]) => (isInputName(name) ? inputHelp(name, spec) : []));
  return [USAGE, '', 'OPTIONS', ...own, '', 'INPUTS (from action.yml)', ...perInput, '', TAIL, ''].join('\n');
}
