import { describe, expect, it } from 'vitest';
import type { MainIO, Outcome, PostIO, World } from '../../src/app/io';
import { runMain } from '../../src/app/main';
import { runPost } from '../../src/app/post';
import type { JournalState } from '../../src/rollout/journal';
import type { InputName } from '../../src/settings/inputs';
import { FakeClock, FakeConnector, FakeLb, noLocal, RecordingJournal, RecordingLog } from '../support/fakes';

const HOSTS = '- {host: 10.0.0.1, name: web-1}\n- {host: 10.0.0.2, name: web-2}';
const VALID = { hosts: HOSTS, 'host-key-check': 'off', 'check-window': '0' };

/** The core's I/O as a CLI or a test would give it: everything recorded, nothing on a runner. */
function fakeIO(inputs: Partial<Record<InputName, string>>) {
  const journal = Object.assign(new RecordingJournal(), {
    completed: false,
    complete() {
      this.completed = true;
    },
  });
  const stops: ((signal: string) => void)[] = [];
  const io = {
    input: (name: InputName) => inputs[name] ?? '',
    env: { SSH_AUTH_SOCK: '/tmp/agent.sock' } as NodeJS.ProcessEnv,
    masked: [] as string[],
    failures: [] as (string | undefined)[],
    published: [] as Outcome[],
    owners: [] as string[],
    log: new RecordingLog(),
    journal,
    maskSecret(value: string) {
      io.masked.push(value);
    },
    fail(message?: string) {
      io.failures.push(message);
    },
    openJournal(owner: string) {
      io.owners.push(owner);
      return journal;
    },
    async publish(outcome: Outcome) {
      io.published.push(outcome);
    },
    onStop(stop: (signal: string) => void) {
      stops.push(stop);
    },
    stop: (signal: string) => stops.forEach((s) => s(signal)),
  } satisfies MainIO & Record<string, unknown>;
  return io;
}

function fakeWorld(connector = new FakeConnector()): World & { connector: FakeConnector; clock: FakeClock } {
  return { connector, connectorFor: () => connector, openLoadBalancer: async () => null, local: noLocal, clock: new FakeClock() };
}

describe('runMain: settings → rollout → outcome, with the entry point’s own I/O', () => {
  it('invalid inputs: one invalid outcome with every error, the step failed with them, nothing connected', async () => {
    const io = fakeIO({ port: 'ssh', strategy: 'fast' });
    const world = fakeWorld();
    await runMain(io, world);
    expect(io.published).toHaveLength(1);
    expect(io.published[0]?.report.status).toBe('invalid');
    expect(io.published[0]?.errors.join('\n')).toMatch(/Input 'port'[\s\S]*Input 'hosts'[\s\S]*Input 'strategy'/);
    expect(io.failures).toHaveLength(1);
    expect(io.failures[0]).toMatch(/^Invalid inputs; no host was touched:\n {2}- Input 'port'/);
    expect(world.connector.connects).toEqual([]);
    expect(io.owners).toEqual([]);
  });

  it('masks the private key and passphrase, whole and line by line, before reading anything else', async () => {
    const io = fakeIO({ 'private-key': 'first-line-of-key\nsecond-line-of-key\nshort', passphrase: 'pass-phrase' });
    await runMain(io, fakeWorld());
    expect(io.masked).toEqual(['first-line-of-key\nsecond-line-of-key\nshort', 'first-line-of-key', 'second-line-of-key', 'pass-phrase']);
  });

  it('a PEM key’s armour lines are public text: masked with the whole key, not on their own', async () => {
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nfirst-line-of-key\n-----END OPENSSH PRIVATE KEY-----\n';
    const io = fakeIO({ 'private-key': key });
    await runMain(io, fakeWorld());
    expect(io.masked).toEqual([key, 'first-line-of-key']);
  });

  it('a successful run publishes its report, completes the journal and does not fail the step', async () => {
    const io = fakeIO(VALID);
    const world = fakeWorld();
    await runMain(io, world);
    expect(io.published.map((o) => o.report.status)).toEqual(['success']);
    expect(io.published[0]?.errors).toEqual([]);
    expect(io.journal.completed).toBe(true);
    expect(io.failures).toEqual([]);
    expect(io.owners).toEqual([expect.stringMatching(new RegExp(`^local pid ${process.pid} #[0-9a-f]{12}$`))]);
    expect(io.log.warnings).toContain(
      'host-key-check is off: any host key is accepted, so a machine in the middle could receive these commands.',
    );
  });

  it('a failed run fails the step quietly: the published report and its annotations say why', async () => {
    const world = fakeWorld();
    world.connector.host('web-2').validateFails = 'nginx: [emerg] bad';
    const io = fakeIO(VALID);
    await runMain(io, world);
    expect(io.published[0]?.report.failedHost).toBe('web-2');
    expect(io.failures).toEqual([undefined]);
  });

  it('a stop from the entry point cancels the run at the next safe point, and says so', async () => {
    const io = fakeIO(VALID);
    io.onStop = (stop) => stop('SIGINT'); // told to stop as soon as the run listens
    const world = fakeWorld();
    await runMain(io, world);
    expect(io.published[0]?.report.reason).toMatch(/^cancelled before web-1: the run was cancelled \(SIGINT\)/);
    expect(io.published[0]?.report.hosts.map((h) => h.status)).toEqual(['skipped', 'skipped']);
    expect(world.connector.host('web-1').reloads).toBe(0);
    expect(io.log.warnings.some((w) => /^Received SIGINT: stopping at the next safe point/.test(w))).toBe(true);
    expect(io.failures).toEqual([undefined]);
  });

  it('masks a password given in a URL input, as written and decoded, before anything can print it', async () => {
    const io = fakeIO({ ...VALID, 'readiness-url': 'http://admin:S3cr%40t-9931@127.0.0.1/healthz' });
    await runMain(io, fakeWorld());
    expect(io.masked).toEqual(expect.arrayContaining(['admin:S3cr%40t-9931', 'S3cr%40t-9931', 'S3cr@t-9931']));
  });

  it('anything unexpected fails the step with its message, Error or not', async () => {
    const io = fakeIO(VALID);
    await runMain(io, {
      ...fakeWorld(),
      connectorFor: () => {
        throw new Error('no ssh here');
      },
    });
    const odd = fakeIO(VALID);
    await runMain(odd, {
      ...fakeWorld(),
      connectorFor: () => {
        throw 'a string';
      },
    });
    expect([...io.failures, ...odd.failures]).toEqual([
      'zero-downtime-restart stopped unexpectedly: no ssh here',
      'zero-downtime-restart stopped unexpectedly: a string',
    ]);
  });
});

describe('runPost', () => {
  function postIO(journal: JournalState | null, inputs: Partial<Record<InputName, string>> = VALID) {
    const lines: string[] = [];
    const io = {
      input: (name: InputName) => inputs[name] ?? '',
      env: { SSH_AUTH_SOCK: '/tmp/agent.sock' } as NodeJS.ProcessEnv,
      failures: [] as (string | undefined)[],
      lines,
      maskSecret: (value: string) => void lines.push(`mask ${value}`),
      readJournal: () => journal,
      fail(message?: string) {
        io.failures.push(message);
      },
      log: {
        info: (m: string) => lines.push(`info ${m}`),
        warning: (m: string) => lines.push(`warning ${m}`),
        error: (m: string, t: string) => lines.push(`error ${t}: ${m}`),
      },
    } satisfies PostIO & Record<string, unknown>;
    return io;
  }
  const target = { host: '10.0.0.1', port: 22, user: 'root', name: 'web-1' };

  it('does nothing without a journal, and only restates what a finished main step left drained', async () => {
    const none = postIO(null);
    await runPost(none, fakeWorld());
    expect(none.lines).toEqual([]);
    const done = postIO({ owner: 'o', drained: [target], locks: [], completed: true });
    await runPost(done, fakeWorld());
    expect(done.lines).toEqual(['info Hosts left out of rotation by the main step (unhealthy after a failure): web-1.']);
    expect(done.failures).toEqual([]);
  });

  it('after a finished main step, retries a lock recorded twice once, leaves its drained host, and warns when the host still does not confirm', async () => {
    const lock = { target, name: 'host' };
    const journal = { owner: 'o', drained: [{ ...target, why: 'failed-check' as const }], locks: [lock, lock], completed: true };
    const world = fakeWorld();
    const ok = postIO(journal);
    await runPost(ok, world);
    expect(world.connector.host('web-1').kinds).toEqual(['lock-release']);
    expect(ok.lines).toEqual([
      'info Hosts left out of rotation by the main step (unhealthy after a failure): web-1.',
      'info The main step finished, but the hosts did not confirm giving back 1 of its lock(s): trying again.',
      'info post: released 1 lock(s) of the main step.',
    ]);
    const lost = fakeWorld();
    lost.connector.host('web-1').lose['lock-release'] = 9;
    const still = postIO(journal);
    await runPost(still, lost);
    expect(still.lines.at(-1)).toBe('warning post: 1 lock(s) could not be given back; each expires by itself at the end of its TTL.');
    expect([ok.failures, still.failures]).toEqual([[], []]);
  });

  it('after a finished main step, a host the cancel caught before it was ready is returned once healthy; the others stay as left', async () => {
    const lb = new FakeLb();
    const web2 = { ...target, host: '10.0.0.2', name: 'web-2' };
    for (const h of [target, web2]) await lb.drain(h);
    lb.calls = [];
    const world = { ...fakeWorld(), openLoadBalancer: async () => lb };
    const inputs = { ...VALID, lb: 'command', 'drain-command': 'x {name}', 'ready-command': 'y {name}' };
    const journal = {
      owner: 'o',
      drained: [
        { ...target, why: 'not-ready' as const },
        { ...web2, why: 'failed-check' as const },
      ],
      locks: [],
    };
    const io = postIO({ ...journal, completed: true }, inputs);
    await runPost(io, world);
    expect(lb.calls).toEqual(['undrain web-1']);
    expect(io.lines).toEqual([
      'info Hosts left out of rotation by the main step (unhealthy after a failure): web-2.',
      'info The main step finished, but it was cancelled before web-1 was ready again: checking again.',
      'warning post: web-1 had been left drained by the interrupted main step; it is healthy and was returned to service.',
    ]);
    expect(io.failures).toEqual([]);
  });

  it('after a killed main step, a drained host with no load balancer to return it to is left drained and the step fails', async () => {
    const io = postIO({ owner: 'o', drained: [target], locks: [], completed: false });
    await runPost(io, fakeWorld());
    expect(
      io.lines.some((l) => /^error Host left out of rotation: post: left drained: web-1: no load balancer is configured/.test(l)),
    ).toBe(true);
    expect(io.failures).toEqual([undefined]);
  });

  it('registers the secrets before it reconciles, so the host text it prints is redacted; a finished run registers none', async () => {
    const io = postIO({ owner: 'o', drained: [target], locks: [], completed: false }, { ...VALID, passphrase: 'post-step-secret' });
    await runPost(io, fakeWorld());
    expect(io.lines[0]).toBe('mask post-step-secret');
    expect(io.lines.filter((l) => l.startsWith('mask '))).toEqual(['mask post-step-secret']);
    const done = postIO({ owner: 'o', drained: [], locks: [], completed: true }, { ...VALID, passphrase: 'post-step-secret' });
    await runPost(done, fakeWorld());
    expect(done.lines).toEqual([]);
  });
});
