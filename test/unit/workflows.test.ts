import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { defaultTargets, formatProblem, KNOWN_FALSE_POSITIVES, lintFiles, type LintProblem } from '../../scripts/lint-workflows';

const root = join(__dirname, '../..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

// The WebAssembly linters take a moment to start.
const LINT_TIMEOUT = 60_000;

describe('the workflow lint on the project files', () => {
  it('covers action.yml, every workflow and every example', () => {
    const targets = defaultTargets(root).map((p) => relative(root, p));
    expect(targets).toEqual(
      expect.arrayContaining([
        'action.yml',
        '.github/workflows/ci.yml',
        '.github/workflows/release.yml',
        '.github/workflows/rollout.yml',
        'examples/deploy-then-restart.yml',
        'examples/manual.yml',
        'examples/release.yml',
      ]),
    );
  });

  it(
    'finds no problem in them',
    async () => {
      const report = await lintFiles(defaultTargets(root), root);
      expect(report.problems.map(formatProblem)).toEqual([]);
      // What it sets aside is only what KNOWN_FALSE_POSITIVES names, each with a reason.
      for (const s of report.suppressed) expect(s.why.length).toBeGreaterThan(0);
    },
    LINT_TIMEOUT,
  );
});

describe('the workflow lint on broken copies', () => {
  it(
    'reports an unknown job key, a bad expression and an action.yml without runs, each at its line',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lint-workflows-'));
      try {
        mkdirSync(join(dir, '.github/workflows'), { recursive: true });

        const workflow = parseDocument(read('.github/workflows/rollout.yml'));
        workflow.setIn(['jobs', 'rollout', 'timeout-minuts'], 5);
        const broken = workflow.toString().replace("${{ inputs.environment || 'fleet' }}", '${{ inputs.environment || }}');
        expect(broken).toContain('${{ inputs.environment || }}');
        writeFileSync(join(dir, '.github/workflows/rollout.yml'), broken);

        const action = parseDocument(read('action.yml'));
        action.delete('runs');
        writeFileSync(join(dir, 'action.yml'), action.toString());

        const report = await lintFiles(defaultTargets(dir), dir);
        const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
        const at = (p: LintProblem): string => `${p.file}:${p.line} ${p.tool}`;

        const unknownKey = report.problems.filter((p) => p.message.includes('timeout-minuts'));
        expect(unknownKey.map(at)).toContain(`.github/workflows/rollout.yml:${lineOf(broken, 'timeout-minuts:')} actionlint`);
        expect(unknownKey.some((p) => p.tool === 'action-validator')).toBe(true);

        const expression = report.problems.filter((p) => p.tool === 'actionlint' && p.message.endsWith('(expression)'));
        expect(expression.map((p) => `${p.file}:${p.line}`)).toEqual([
          `.github/workflows/rollout.yml:${lineOf(broken, '${{ inputs.environment || }}')}`,
        ]);

        expect(report.problems).toContainEqual(
          expect.objectContaining({ file: 'action.yml', line: 1, tool: 'action-validator', message: 'This property is required at /runs' }),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    LINT_TIMEOUT,
  );

  it(
    'reports a YAML syntax error, a runtime GitHub does not have, and a misspelt key beside node24',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lint-workflows-'));
      try {
        writeFileSync(join(dir, 'broken.yml'), 'on: push\njobs:\n  a:\n    runs-on: [ubuntu-latest\n');
        mkdirSync(join(dir, 'node99'));
        writeFileSync(join(dir, 'node99/action.yml'), read('action.yml').replace('using: node24', 'using: node99'));
        mkdirSync(join(dir, 'mian'));
        writeFileSync(join(dir, 'mian/action.yml'), read('action.yml').replace('main: dist/index.js', 'mian: dist/index.js'));
        const report = await lintFiles(['broken.yml', 'node99/action.yml', 'mian/action.yml'], dir);
        expect(report.problems.find((p) => p.file === 'broken.yml')?.tool).toBe('yaml');
        const messages = report.problems.map(formatProblem);
        expect(messages).toContainEqual(
          expect.stringMatching(/^node99\/action\.yml:\d+:1: .*\/runs\/using \(found "node99"\) \[action-validator\]$/),
        );
        // The node24 allowance must not hide anything else wrong under runs.
        expect(messages).toContainEqual(expect.stringMatching(/^mian\/action\.yml:\d+:1: .*'mian'.*\[action-validator\]$/));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    LINT_TIMEOUT,
  );

  it('sets aside only narrowly matched findings', () => {
    for (const k of KNOWN_FALSE_POSITIVES) {
      expect(k.message.source.startsWith('^'), k.message.source).toBe(true);
      expect(k.message.test('unexpected key "timeout-minuts" for "job" section')).toBe(false);
    }
  });
});

interface ActionInput {
  required?: boolean;
  default?: string;
}

interface WorkflowInput {
  type: 'string' | 'number' | 'boolean';
  required?: boolean;
  default?: string | number | boolean;
}

interface Step {
  id?: string;
  uses?: string;
  with?: Record<string, string>;
}

const action = parse(read('action.yml')) as { inputs: Record<string, ActionInput>; outputs: Record<string, unknown> };
const rollout = parse(read('.github/workflows/rollout.yml')) as {
  on: {
    workflow_call: {
      inputs: Record<string, WorkflowInput>;
      secrets: Record<string, { required?: boolean }>;
      outputs: Record<string, { value: string }>;
    };
  };
  jobs: Record<
    string,
    {
      environment?: string;
      concurrency?: { group: string; 'cancel-in-progress': boolean };
      outputs?: Record<string, string>;
      steps: Step[];
    }
  >;
};
const call = rollout.on.workflow_call;
const job = rollout.jobs.rollout!;
const SECRETS = ['private-key', 'passphrase', 'known-hosts', 'prometheus-token', 'prometheus-basic-auth'];
const actionStep = job.steps.find((s) => s.uses?.startsWith('./'))!;

describe('the reusable workflow .github/workflows/rollout.yml', () => {
  const mirrored = Object.keys(action.inputs).filter((name) => !SECRETS.includes(name));

  it.each(mirrored)('takes the action input %s with the same default and passes it on', (name) => {
    const input = call.inputs[name];
    expect(input, `workflow_call input ${name}`).toBeDefined();
    expect(input?.required === true).toBe(action.inputs[name]?.required === true);
    if (!input?.required) expect(String(input?.default)).toBe(action.inputs[name]?.default ?? '');
    expect(actionStep.with?.[name]).toBe(`\${{ inputs.${name} }}`);
  });

  it('passes nothing the action does not take', () => {
    expect(Object.keys(actionStep.with ?? {}).sort()).toEqual(Object.keys(action.inputs).sort());
  });

  it('takes the key, passphrase and known hosts as secrets, falling back to environment secrets', () => {
    expect(Object.keys(call.secrets).sort()).toEqual([...SECRETS, 'action-token'].sort());
    for (const name of SECRETS) {
      expect(call.inputs[name], `${name} must not be a plain input`).toBeUndefined();
      expect(actionStep.with?.[name]).toMatch(new RegExp(`^\\$\\{\\{ secrets\\.${name} \\|\\| secrets\\.ZDR_[A-Z_]+ \\}\\}$`));
    }
  });

  it('passes the outputs of the action through', () => {
    expect(Object.keys(call.outputs).sort()).toEqual(Object.keys(action.outputs).sort());
    for (const name of Object.keys(action.outputs)) {
      expect(call.outputs[name]?.value).toBe(`\${{ jobs.rollout.outputs.${name} }}`);
      expect(job.outputs?.[name]).toBe(`\${{ steps.${actionStep.id}.outputs.${name} }}`);
    }
  });

  it('runs in the caller-chosen environment, one rollout per concurrency group (default: per environment), never cancelled', () => {
    expect(job.environment).toBe('${{ inputs.environment }}');
    expect(job.concurrency).toEqual({
      group: "${{ inputs.concurrency-group || format('zero-downtime-restart-{0}', inputs.environment) }}",
      'cancel-in-progress': false,
    });
    expect(call.inputs['concurrency-group']?.default).toBe('');
  });

  it("checks a private copy of the action out with action-token when given, else the run's token", () => {
    const checkout = job.steps.find((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkout?.with?.token).toBe('${{ secrets.action-token || github.token }}');
    expect(checkout?.with?.['persist-credentials']).toBe(false);
  });

  it('runs the action from its own commit (job.workflow_sha), checked out where `uses:` points', () => {
    const checkout = job.steps.find((s) => s.uses?.startsWith('actions/checkout@'));
    const path = checkout?.with?.path;
    expect(path).toBeTruthy();
    expect(actionStep.uses).toBe(`./${path}`);
    const source = read('.github/workflows/rollout.yml');
    expect(source).toContain('${{ inputs.action-repository || job.workflow_repository }}');
    expect(source).toContain('${{ inputs.action-ref || job.workflow_sha }}');
  });
});

describe('the examples', () => {
  it('pin the action and the reusable workflow to a full commit SHA, as the repository pins its own actions', () => {
    const pinned = (path: string): RegExpMatchArray[] => [
      ...read(path).matchAll(/uses: (your-org\/zero-downtime-restart\S*)@(\S+)( # v\d+\.\d+\.\d+)?$/gm),
    ];
    for (const path of ['examples/deploy-then-restart.yml', 'examples/manual.yml', 'examples/release.yml']) {
      const uses = pinned(path);
      expect(uses.length, path).toBeGreaterThan(0);
      for (const u of uses) {
        expect(u[2], `${path}: ${u[0]}`).toMatch(/^[0-9a-f]{40}$/);
        expect(u[3], `${path}: ${u[0]} names its version in a comment`).toBeDefined();
      }
    }
    expect(read('examples/release.yml')).toContain('uses: your-org/zero-downtime-restart/.github/workflows/rollout.yml@');
    for (const path of ['.github/workflows/ci.yml', '.github/workflows/release.yml', '.github/workflows/rollout.yml']) {
      for (const u of read(path).matchAll(/^\s*(?:- )?uses: ([\w.-]+\/[\w./-]+)@(\S+)/gm))
        expect(u[2], `${path}: ${u[0]}`).toMatch(/^[0-9a-f]{40}$/);
    }
  });

  it('only pass the reusable workflow inputs it has', () => {
    const release = parse(read('examples/release.yml')) as {
      jobs: Record<string, { uses?: string; with?: Record<string, unknown>; secrets?: Record<string, unknown> }>;
    };
    const calls = Object.values(release.jobs).filter((j) => j.uses?.includes('rollout.yml'));
    expect(calls).toHaveLength(2);
    for (const c of calls) {
      for (const name of Object.keys(c.with ?? {})) expect(Object.keys(call.inputs)).toContain(name);
      for (const name of Object.keys(c.secrets ?? {})) expect(Object.keys(call.secrets)).toContain(name);
    }
  });
});
