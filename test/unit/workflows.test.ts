import { spawnSync } from 'node:child_process';
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
        '.github/workflows/waves.yml',
        'examples/deploy-then-restart.yml',
        'examples/manual.yml',
        'examples/release.yml',
        'examples/waves.yml',
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
    for (const path of ['examples/deploy-then-restart.yml', 'examples/manual.yml', 'examples/release.yml', 'examples/waves.yml']) {
      const uses = pinned(path);
      expect(uses.length, path).toBeGreaterThan(0);
      for (const u of uses) {
        expect(u[2], `${path}: ${u[0]}`).toMatch(/^[0-9a-f]{40}$/);
        expect(u[3], `${path}: ${u[0]} names its version in a comment`).toBeDefined();
      }
    }
    expect(read('examples/release.yml')).toContain('uses: your-org/zero-downtime-restart/.github/workflows/rollout.yml@');
    for (const path of [
      '.github/workflows/ci.yml',
      '.github/workflows/release.yml',
      '.github/workflows/rollout.yml',
      '.github/workflows/waves.yml',
    ]) {
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

interface WavesStep extends Step {
  name?: string;
  if?: string;
  env?: Record<string, string>;
  run?: string;
}

const waves = parse(read('.github/workflows/waves.yml')) as {
  on: { workflow_call: typeof call };
  jobs: Record<
    string,
    {
      needs?: string | string[];
      if?: string;
      environment?: string;
      strategy?: { matrix: Record<string, unknown>; 'max-parallel': string; 'fail-fast': boolean };
      concurrency?: { group: string; 'cancel-in-progress': boolean };
      permissions?: Record<string, string>;
      outputs?: Record<string, string>;
      steps: WavesStep[];
    }
  >;
};
const wavesCall = waves.on.workflow_call;
const leg = waves.jobs.wave!;
const legAction = leg.steps.find((s) => s.uses === './.zero-downtime-restart')!;

/** Runs one `run:` step of waves.yml as the runner does (bash -eo pipefail), with `env` for its expressions. */
function runStep(jobName: string, stepName: string, env: Record<string, string>) {
  const step = waves.jobs[jobName]?.steps.find((s) => s.name === stepName);
  if (!step?.run) throw new Error(`no run step '${stepName}' in job ${jobName}`);
  const dir = mkdtempSync(join(tmpdir(), 'zdr-waves-'));
  try {
    const files = { output: join(dir, 'output'), summary: join(dir, 'summary'), script: join(dir, 'step.sh') };
    writeFileSync(files.output, '');
    writeFileSync(files.summary, '');
    writeFileSync(files.script, step.run);
    // Every variable the step's env names must be given by the test: nothing is left to chance.
    for (const name of Object.keys(step.env ?? {})) expect(env, `${stepName} needs ${name}`).toHaveProperty(name);
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', files.script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GITHUB_OUTPUT: files.output, GITHUB_STEP_SUMMARY: files.summary, ...env },
    });
    return {
      code: r.status,
      stdout: r.stdout,
      stderr: r.stderr,
      output: readFileSync(files.output, 'utf8'),
      summary: readFileSync(files.summary, 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const plan = (fleets: string, maxParallel = '1') =>
  runStep('plan', 'Check the fleets input', { FLEETS: fleets, MAX_PARALLEL: maxParallel });
const fleet = (name: string, extra: Record<string, unknown> = {}) => ({ name, hosts: `${name}-1, ${name}-2`, environment: name, ...extra });

describe('the reusable workflow .github/workflows/waves.yml', () => {
  const perFleet = ['hosts', 'lb-host'];
  const mirrored = Object.keys(action.inputs).filter((name) => !SECRETS.includes(name) && !perFleet.includes(name));

  it.each(mirrored)('takes the action input %s as rollout.yml does and passes it to every leg', (name) => {
    expect(wavesCall.inputs[name]).toEqual(call.inputs[name]);
    expect(legAction.with?.[name]).toBe(`\${{ inputs.${name} }}`);
  });

  it("takes each leg's hosts (and optionally its load balancer) from its fleet, the secrets as rollout.yml does", () => {
    expect(legAction.with?.hosts).toBe('${{ matrix.fleet.hosts }}');
    expect(legAction.with?.['lb-host']).toBe('${{ matrix.fleet.lb-host || inputs.lb-host }}');
    expect(wavesCall.inputs.hosts).toBeUndefined();
    expect(Object.keys(legAction.with ?? {}).sort()).toEqual(Object.keys(action.inputs).sort());
    expect(wavesCall.secrets).toEqual(call.secrets);
    for (const name of SECRETS) expect(legAction.with?.[name]).toBe(actionStep.with?.[name]);
  });

  it('rolls the fleets as one matrix of the checked list: in order, max-parallel at once, fail-fast, each leg in its environment and group', () => {
    expect(leg.needs).toBe('plan');
    expect(leg.strategy).toEqual({
      matrix: { fleet: '${{ fromJSON(needs.plan.outputs.fleets) }}' },
      'max-parallel': '${{ inputs.max-parallel }}',
      'fail-fast': true,
    });
    expect(wavesCall.inputs['max-parallel']).toEqual(expect.objectContaining({ type: 'number', default: 1 }));
    expect(leg.environment).toBe('${{ matrix.fleet.environment }}');
    expect(leg.concurrency).toEqual({
      group: "${{ format('{0}-{1}', inputs.concurrency-prefix, matrix.fleet.name) }}",
      'cancel-in-progress': false,
    });
  });

  it('checks the earlier waves before anything else in a leg, and records every leg, whatever happened', () => {
    const names = leg.steps.map((s) => s.name);
    expect(names.indexOf('Check that the earlier waves succeeded')).toBeLessThan(names.indexOf("Find the action's own commit"));
    for (const s of leg.steps.slice(0, 2)) expect(s.if).toBe('strategy.job-index >= inputs.max-parallel');
    for (const s of leg.steps.slice(-2)) expect(s.if).toBe('always()');
    const upload = leg.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.with?.name).toBe('${{ inputs.artifact-prefix }}-${{ strategy.job-index }}');
  });

  it('gathers every leg into one summary job and the outputs status and results', () => {
    const summary = waves.jobs.summary!;
    expect(summary.needs).toEqual(['plan', 'wave']);
    expect(summary.if).toBe("always() && needs.plan.result == 'success'");
    expect(Object.keys(wavesCall.outputs).sort()).toEqual(['results', 'status']);
    for (const name of ['status', 'results']) {
      expect(wavesCall.outputs[name]?.value).toBe(`\${{ jobs.summary.outputs.${name} }}`);
      expect(summary.outputs?.[name]).toBe(`\${{ steps.summary.outputs.${name} }}`);
    }
    // Host text reaches scripts only through env, never through ${{ }} inside a script.
    for (const job of Object.values(waves.jobs)) for (const s of job.steps) expect(s.run ?? '').not.toContain('${{');
  });
});

// Each case starts bash and jq several times: seconds on a busy machine.
describe("waves.yml's scripts, run with bash and jq", { timeout: 60_000 }, () => {
  it('plan passes a valid list on, normalised for the matrix', () => {
    const r = plan(JSON.stringify([fleet('staging'), { name: 'eu', hosts: '- {host: 10.0.0.1, name: "web|1"}\n- {host: 10.0.0.2}' }]));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const fleets = JSON.parse(/^fleets=(.*)$/m.exec(r.output)?.[1] ?? 'null');
    expect(fleets).toEqual([
      { name: 'staging', hosts: 'staging-1, staging-2', environment: 'staging', 'lb-host': '' },
      { name: 'eu', hosts: '- {host: 10.0.0.1, name: "web|1"}\n- {host: 10.0.0.2}', environment: '', 'lb-host': '' },
    ]);
    expect(r.stdout).toContain('wave 2: eu (no environment)');
  });

  it.each([
    ['not JSON', '[{"name": "eu"', "Input 'fleets': expected a JSON array"],
    ['an object, not a list', JSON.stringify(fleet('eu')), "Input 'fleets': expected a JSON array"],
    ['an empty list', '[]', "Input 'fleets': the list is empty"],
    ['a repeated name', JSON.stringify([fleet('eu'), fleet('us'), fleet('eu')]), 'names must be unique, and these repeat: eu'],
    ['a missing host list', JSON.stringify([fleet('eu'), { name: 'us', environment: 'us' }]), 'item 2: hosts must be a non-empty string'],
    ['an unknown key', JSON.stringify([fleet('eu', { host: 'x' })]), 'item 1: unknown key(s)'],
    ['a name that is not a plain word', JSON.stringify([fleet('::stop-commands::x')]), 'item 1: name must be 1 to 64 letters'],
  ])('plan refuses %s with an error naming the input, before any leg', (_what, fleets, message) => {
    const r = plan(fleets);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`::error title=zero-downtime-restart::`);
    expect(r.stdout).toContain(message);
    expect(r.output).toBe('');
    // The input's own text is never echoed into the log, where it could be a workflow command.
    expect(r.stdout).not.toContain('::stop-commands::');
  });

  it('plan reports every problem at once, and refuses a max-parallel under 1', () => {
    const r = plan(JSON.stringify([{ name: 'a b', hosts: '' }, 'x']));
    expect(r.stdout).toContain("Input 'fleets': item 1: name must be");
    expect(r.stdout).toContain('item 1: hosts must be a non-empty string');
    expect(r.stdout).toContain('item 2: not an object');
    expect(plan(JSON.stringify([fleet('eu')]), '0').stdout).toContain("Input 'max-parallel': expected a whole number of at least 1");
  });

  function withRecords(records: Record<number, string>, fn: (dir: string) => void): void {
    const dir = mkdtempSync(join(tmpdir(), 'zdr-records-'));
    try {
      for (const [index, status] of Object.entries(records)) {
        const r = runStep('wave', 'Record this wave', {
          INDEX: index,
          NAME: `fleet-${index}`,
          ENVIRONMENT: `env-${index}`,
          STATUS: status === 'cancelled' || status === 'skipped' ? '' : status,
          OUTCOME: status === 'cancelled' || status === 'skipped' ? status : 'success',
          FAILED_HOST: status === 'failed' ? 'web-2 | <b>x</b>' : '',
          RECORDS: dir,
        });
        expect(r.code, r.stderr).toBe(0);
      }
      fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const guard = (index: number, maxParallel: number, dir: string) =>
    runStep('wave', 'Check that the earlier waves succeeded', { INDEX: String(index), MAX_PARALLEL: String(maxParallel), RECORDS: dir });

  it('a leg starts only when every leg that had to finish before it succeeded', () => {
    withRecords({ 0: 'success', 1: 'failed' }, (dir) => {
      const refused = guard(2, 1, dir);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toContain('wave 2 has not succeeded (failed), so wave 3 does not start; nothing was touched');
      // With two at a time, leg 3 needs only leg 1 finished.
      expect(guard(2, 2, dir).code).toBe(0);
      expect(guard(3, 2, dir).stdout).toContain('wave 2 has not succeeded (failed)');
      expect(guard(4, 1, dir).stdout).toContain('wave 2 has not succeeded');
    });
    withRecords({ 0: 'success' }, (dir) => expect(guard(2, 1, dir).stdout).toContain('wave 2 has not succeeded (no record)'));
    withRecords({ 0: 'success', 1: 'cancelled' }, (dir) =>
      expect(guard(2, 1, dir).stdout).toContain('wave 2 has not succeeded (cancelled)'),
    );
    withRecords({ 0: 'skipped' }, (dir) => expect(guard(1, 1, dir).stdout).toContain('wave 1 has not succeeded (not run)'));
    withRecords({ 0: 'success', 1: 'success' }, (dir) => expect(guard(2, 1, dir).code).toBe(0));
  });

  it('the summary has every fleet in order, in one table with host text escaped; a leg with no record never started', () => {
    const fleets = JSON.stringify([0, 1, 2].map((i) => ({ name: `fleet-${i}`, hosts: 'h', environment: `env-${i}`, 'lb-host': '' })));
    withRecords({ 0: 'success', 1: 'failed' }, (dir) => {
      const r = runStep('summary', 'One summary for all waves', { FLEETS: fleets, RECORDS: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.output).toContain('status=failed\n');
      expect(JSON.parse(/^results=(.*)$/m.exec(r.output)?.[1] ?? 'null')).toEqual([
        { index: 0, name: 'fleet-0', environment: 'env-0', status: 'success', 'failed-host': '' },
        { index: 1, name: 'fleet-1', environment: 'env-1', status: 'failed', 'failed-host': 'web-2 | <b>x</b>' },
        { index: 2, name: 'fleet-2', environment: 'env-2', status: 'not started', 'failed-host': '' },
      ]);
      expect(r.summary).toContain('| 2 | fleet-1 | env-1 | failed | web-2 &#124; &lt;b&gt;x&lt;/b&gt; |');
      expect(r.summary).toContain('| 3 | fleet-2 | env-2 | not started |  |');
    });
    withRecords({ 0: 'success', 1: 'success', 2: 'success' }, (dir) => {
      expect(runStep('summary', 'One summary for all waves', { FLEETS: fleets, RECORDS: dir }).output).toContain('status=success\n');
    });
  });

  it('the example passes the plan: staging, then three production regions, one at a time', () => {
    const example = parse(read('examples/waves.yml')) as { jobs: { restart: { with: Record<string, string | number> } } };
    const vars: Record<string, string> = { STAGING_HOSTS: 'stg-1, stg-2', STAGING_LB: 'lb.stg', EU_HOSTS: '- {host: eu-1, name: "a\\"b"}' };
    const fleets = String(example.jobs.restart.with.fleets).replace(/\$\{\{ toJSON\(vars\.(\w+)\) \}\}/g, (_m, name: string) =>
      JSON.stringify(vars[name] ?? `${name.toLowerCase()}-1`),
    );
    const r = plan(fleets, String(example.jobs.restart.with['max-parallel']));
    expect(r.code, r.stdout).toBe(0);
    const planned = JSON.parse(/^fleets=(.*)$/m.exec(r.output)?.[1] ?? 'null') as { name: string; environment: string; hosts: string }[];
    expect(planned.map((f) => `${f.name}:${f.environment}`)).toEqual([
      'staging:staging',
      'eu:production-eu',
      'us:production-us',
      'ap:production-ap',
    ]);
    expect(planned[1]?.hosts).toBe(vars.EU_HOSTS);
    expect(example.jobs.restart.with['max-parallel']).toBe(1);
  });
});
