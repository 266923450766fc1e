import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, parseDocument, stringify, type Document, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
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

/**
 * Inputs read one item per line: a YAML list of them is joined one item per line. Every other
 * input holds one value, so a list there is refused rather than joined into a value no one wrote.
 */
const LIST_INPUTS: ReadonlySet<InputName> = new Set<InputName>([
  'hosts',
  'known-hosts',
  'dependency-checks',
  'check-ignore-paths',
  'batches',
]);

/**
 * A scalar's text as written: the action reads every input as raw text, so `1e3`, `2.0`, `.5` or
 * `0x16` must reach validation unchanged, not as the number YAML makes of them. Null is ''.
 */
function scalarText(node: Scalar): string {
  if (typeof node.value === 'string') return node.value;
  if (node.value === null || node.value === undefined) return '';
  return node.source ?? String(node.value);
}

/** A list item's text, or undefined when the item is not a plain value. */
function itemText(node: unknown, doc: Document): string | undefined {
  const item = isAlias(node) ? node.resolve(doc) : node;
  return isScalar(item) && item.value !== null && item.value !== undefined ? scalarText(item) : undefined;
}

/** A list as the input's text: items one per line; `hosts` with mappings back to YAML for the hosts parser. */
function listText(name: InputName, list: YAMLSeq, doc: Document): string | Error {
  if (!LIST_INPUTS.has(name)) return new Error('takes one value, not a list');
  // Host mappings go back to YAML: the hosts parser reads them as it reads the action's YAML list.
  if (name === 'hosts' && !list.items.every((item) => isScalar(item) && typeof item.value === 'string')) return stringify(list.toJS(doc));
  const texts = list.items.map((item) => itemText(item, doc));
  if (texts.some((t) => t === undefined)) return new Error('expected a list of strings');
  return texts.join('\n');
}

/** A YAML value as the input's text: scalars as written, lists one item per line. */
function asInputText(name: InputName, node: unknown, doc: Document): string | Error {
  const value = isAlias(node) ? node.resolve(doc) : node;
  if (value === null || value === undefined) return '';
  if (isScalar(value)) return scalarText(value);
  if (isSeq(value)) return listText(name, value, doc);
  return new Error('expected a string, number, boolean or list');
}

/** One key of the file into `out`, or a complaint naming it. */
function takeKey(out: ConfigFile, key: string, node: unknown, where: { path: string; home: string; doc: Document }): void {
  const base = key.replace(/-file$/, '');
  if (key.endsWith('-file') && isInputName(base) && FILE_INPUTS.has(base)) {
    const path = isScalar(node) ? scalarText(node).trim() : '';
    if (path === '') out.errors.push(`${where.path}: '${key}' must be a file path`);
    else out.inputFiles.set(base, resolve(dirname(where.path), expandHome(path, where.home)));
    return;
  }
  if (!isInputName(key)) {
    out.errors.push(`${where.path}: unknown key '${key}' (the keys are the action's input names; zero-downtime-restart --help lists them)`);
    return;
  }
  const text = asInputText(key, node, where.doc);
  if (text instanceof Error) out.errors.push(`${where.path}: '${key}': ${text.message}`);
  else out.inputs.set(key, text);
}

/** The file's YAML document, its top-level mapping (null when empty), or the complaint. */
function readMapping(path: string): { doc: Document; map: YAMLMap | null } | string {
  let doc: Document;
  try {
    doc = parseDocument(readFileSync(path, 'utf8'));
  } catch (err) {
    return `config file ${path}: ${(err as Error).message.split('\n')[0]}`;
  }
  const [error] = doc.errors;
  if (error) return `config file ${path}: ${error.message.split('\n')[0]}`;
  const top = doc.contents;
  if (top === null || (isScalar(top) && top.value === null)) return { doc, map: null };
  if (!isMap(top)) return `config file ${path}: expected a mapping of input names to values`;
  return { doc, map: top };
}

/**
 * Reads `-c FILE`: a YAML mapping whose keys are the action's input names (as in a workflow's
 * `with:`), plus `NAME-file` keys for inputs read from files, relative to the config file.
 * Values are read from the document's nodes, not as JavaScript values, so each reaches the
 * settings reader as the text written, as the action's inputs do.
 */
export function readConfigFile(path: string, home: string): ConfigFile {
  const out: ConfigFile = { inputs: new Map(), inputFiles: new Map(), errors: [] };
  const read = readMapping(path);
  if (typeof read === 'string') out.errors.push(read);
  else
    for (const pair of read.map?.items ?? []) {
      const key = isScalar(pair.key) ? scalarText(pair.key) : String(pair.key);
      takeKey(out, key, pair.value, { path, home, doc: read.doc });
    }
  return out;
}
