import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import type { InputName } from '../settings/inputs';
import { FILE_INPUTS, isInputName } from './options';

/** A config file's inputs: values given inline, and files to read inputs from (paths resolved). */
export interface ConfigFile {
  inputs: Map<InputName, string>;
  inputFiles: Map<InputName, string>;
  errors: string[];
}

/** `~/x` is the home directory's x, as a shell would expand it. */
export function expandHome(path: string, home: string): string {
  return path === '~' || path.startsWith('~/') ? `${home}${path.slice(1)}` : path;
}

/** A YAML value as the input's text: scalars as written, `hosts` mappings back to YAML, lists one item per line. */
function asInputText(name: InputName, value: unknown): string | Error {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string' || typeof v === 'number')) return value.join('\n');
    if (name === 'hosts') return stringify(value);
    return new Error('expected a list of strings');
  }
  return new Error('expected a string, number, boolean or list');
}

/** One key of the file into `out`, or a complaint naming it. */
function takeKey(out: ConfigFile, key: string, value: unknown, where: { path: string; home: string }): void {
  const base = key.replace(/-file$/, '');
  if (key.endsWith('-file') && isInputName(base) && FILE_INPUTS.has(base)) {
    if (typeof value !== 'string' || value.trim() === '') out.errors.push(`${where.path}: '${key}' must be a file path`);
    else out.inputFiles.set(base, resolve(dirname(where.path), expandHome(value.trim(), where.home)));
    return;
  }
  if (!isInputName(key)) {
    out.errors.push(`${where.path}: unknown key '${key}' (the keys are the action's input names; zero-downtime-restart --help lists them)`);
    return;
  }
  const text = asInputText(key, value);
  if (text instanceof Error) out.errors.push(`${where.path}: '${key}': ${text.message}`);
  else out.inputs.set(key, text);
}

/**
 * Reads `-c FILE`: a YAML mapping whose keys are the action's input names (as in a workflow's
 * `with:`), plus `NAME-file` keys for inputs read from files, relative to the config file.
 */
export function readConfigFile(path: string, home: string): ConfigFile {
  const out: ConfigFile = { inputs: new Map(), inputFiles: new Map(), errors: [] };
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    out.errors.push(`config file ${path}: ${(err as Error).message.split('\n')[0]}`);
    return out;
  }
  if (doc === null || doc === undefined) return out;
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    out.errors.push(`config file ${path}: expected a mapping of input names to values`);
    return out;
  }
  for (const [key, value] of Object.entries(doc)) takeKey(out, key, value, { path, home });
  return out;
}
