import { sshKeygen } from '../support/keys';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { fleetInputs, fleetReset, haproxyInputs, hostsYaml, runOnFleet } from '../support/fleet-action';
import { runAction } from '../support/run-action';
import { fault, hostExec, readFleet } from './fleet';

const skip = process.env.ZDR_SKIP_FLEET === '1';
const CANARY = '/tmp/zdr-canary';

/** Values that would run a command if any of them reached a shell unquoted. */
const hostile = (tag: string): string[] => [
  `x$(touch ${CANARY}-${tag}-1)`,
  `x\`touch ${CANARY}-${tag}-2\``,
  `x'; touch ${CANARY}-${tag}-3; echo '`,
  `x"; touch ${CANARY}-${tag}-4 && echo "\ntouch ${CANARY}-${tag}-5`,
];

function canaries(): string[] {
  const found: string[] = [];
  for (const h of readFleet().hosts) {
    const out = hostExec(h.name, `ls ${CANARY}* 2>/dev/null || true`).stdout.trim();
    if (out) found.push(`${h.name}: ${out}`);
  }
  const local = readdirSync('/tmp').filter((f) => f.startsWith('zdr-canary'));
  if (local.length) found.push(`machine (runner and load balancer): ${local.join(' ')}`);
  return found;
}

describe.skipIf(skip)('hostile input, secrets and sudo on the real fleet', () => {
  beforeEach(() => fleetReset(), 180_000);
  afterAll(() => {
    for (const h of readFleet().hosts) hostExec(h.name, `rm -f ${CANARY}*`);
    for (const f of readdirSync('/tmp').filter((f) => f.startsWith('zdr-canary'))) rmSync(join('/tmp', f));
    fleetReset();
  }, 180_000);

  it('no hostile value in any string input runs a command anywhere: each is rejected or inert', async () => {
    const fleet = readFleet();
    const targets: Record<string, (v: string) => Record<string, string>> = {
      service: (v) => ({ service: v }),
      'access-log': (v) => ({ 'access-log': `/var/log/${v}` }),
      'nginx-error-log': (v) => ({ 'nginx-error-log': `/var/log/${v}` }),
      'readiness-url': (v) => ({ 'readiness-url': `http://127.0.0.1/${v}` }),
      'check-url': (v) => ({ 'check-source': 'probe', 'check-url': `http://127.0.0.1/${v}` }),
      'stub-status-url': (v) => ({
        strategy: 'drain-restart',
        service: 'app',
        lb: 'command',
        'drain-command': 'true {name}',
        'ready-command': 'true {name}',
        'stub-status-url': `http://127.0.0.1/${v}`,
      }),
      'haproxy-socket': (v) => ({ ...haproxyInputs(), strategy: 'drain-restart', service: 'app', 'haproxy-socket': `/run/${v}` }),
      'haproxy-backend': (v) => ({ ...haproxyInputs(), strategy: 'drain-restart', service: 'app', 'haproxy-backend': v }),
      'nginx-upstream-config': (v) => ({
        lb: 'nginx',
        'lb-host': `root@${fleet.nginxLb?.address}`,
        strategy: 'drain-restart',
        service: 'app',
        'nginx-upstream-config': `/etc/nginx/${v}`,
      }),
      'nginx-lb-service': (v) => ({
        lb: 'nginx',
        'lb-host': `root@${fleet.nginxLb?.address}`,
        strategy: 'drain-restart',
        service: 'app',
        'nginx-lb-service': v,
      }),
      'host name': (v) => ({ hosts: `- host: ${fleet.hosts[0]?.address}\n  name: ${JSON.stringify(v)}` }),
      'host address': (v) => ({ hosts: JSON.stringify(v) }),
      user: (v) => ({ user: v }),
      'drain-command placeholders': () => ({
        lb: 'command',
        strategy: 'drain-restart',
        service: 'app',
        'drain-command': 'echo {host} {name} > /dev/null',
        'ready-command': 'echo {name}',
      }),
      'lb-host': (v) => ({ ...haproxyInputs(), strategy: 'drain-restart', service: 'app', 'lb-host': v }),
    };
    const outcomes: string[] = [];
    for (const [input, make] of Object.entries(targets)) {
      for (const [i, value] of hostile(input.replace(/\W/g, '')).entries()) {
        const run = await runOnFleet({
          'check-window': '0',
          'command-timeout': '10s',
          'readiness-timeout': '3s',
          'lock-wait': '1s',
          ...make(value),
        });
        outcomes.push(`${input} #${i + 1}: ${run.outputs.status}`);
        expect(['invalid', 'failed', 'success'], `${input} #${i + 1}: ${run.stderr}`).toContain(run.outputs.status);
        expect(run.signal).toBeNull();
        if (input === 'drain-command placeholders') break;
      }
    }
    expect(canaries()).toEqual([]);
    // Some values are rejected before any host is touched, the rest reach hosts as inert data.
    expect(outcomes.some((o) => o.endsWith('invalid'))).toBe(true);
    expect(outcomes.some((o) => !o.endsWith('invalid'))).toBe(true);
  }, 900_000);

  it('never shows the private key, its passphrase, or any 16-character piece of them, even with debug logging', async () => {
    const fleet = readFleet();
    const passphrase = 'correct horse battery staple 42';
    const key = sshKeygen('ed25519', { passphrase });
    for (const h of fleet.hosts) hostExec(h.name, `echo '${key.public}' >> /root/.ssh/authorized_keys`);
    const runnerTemp = mkdtempSync(join(tmpdir(), 'zdr-temp-'));
    try {
      const inputs = fleetInputs({ 'private-key': key.private, passphrase, 'check-window': '2s', 'min-requests': '1' });
      const env = { RUNNER_DEBUG: '1', ACTIONS_STEP_DEBUG: 'true', RUNNER_TEMP: runnerTemp };
      const ok = await runAction(inputs, { env });
      expect(ok.outputs.status, ok.stdout).toBe('success');
      expect(ok.stdout).toContain('::debug::');
      fault('web-2', 'break-config');
      const failed = await runAction(inputs, { env });
      expect(failed.outputs.status).toBe('failed');

      const secrets = [key.private, passphrase];
      const pieces = new Set<string>();
      for (const s of secrets) {
        const flat = s.replace(/\s+/g, '');
        for (let i = 0; i + 16 <= flat.length; i++) pieces.add(flat.slice(i, i + 16));
        for (let i = 0; i + 16 <= s.length; i++) pieces.add(s.slice(i, i + 16));
      }
      for (const run of [ok, failed]) {
        // ::add-mask:: lines are how secrets are handed to the runner; it consumes them.
        const visible = {
          stdout: run.stdout
            .split('\n')
            .filter((l) => !l.startsWith('::add-mask::'))
            .join('\n'),
          stderr: run.stderr,
          outputs: JSON.stringify(run.outputs),
          summary: run.summary,
          state: JSON.stringify(run.state),
        };
        for (const [where, text] of Object.entries(visible)) {
          const flat = text.replace(/\s+/g, '');
          const leaked = [...pieces].find((p) => text.includes(p) || flat.includes(p.replace(/\s+/g, '')));
          expect(leaked, `a piece of a secret in ${where}`).toBeUndefined();
        }
        expect(run.stdout).toContain(`::add-mask::${passphrase}`);
      }
      // Never written to disk: nothing in RUNNER_TEMP holds a piece of the key.
      const files = readdirSync(runnerTemp)
        .map((f) => join(runnerTemp, f))
        .filter((f) => statSync(f).isFile());
      for (const f of files)
        expect(
          [...pieces].some((p) => readFileSync(f, 'utf8').includes(p)),
          f,
        ).toBe(false);
    } finally {
      rmSync(runnerTemp, { recursive: true, force: true });
      for (const h of fleet.hosts)
        hostExec(
          h.name,
          `grep -v '${key.public.split(' ')[1]}' /root/.ssh/authorized_keys > /tmp/ak && cat /tmp/ak > /root/.ssh/authorized_keys`,
        );
    }
  });

  it('a non-root user: refused without sudo, in inspect; a full rollout with sudo: true passes', async () => {
    const fleet = readFleet();
    const hosts = hostsYaml(fleet, fleet.hosts.length, 'deploy');
    const refused = await runOnFleet({ hosts, 'check-window': '0' });
    expect(refused.outputs.status).toBe('failed');
    expect(refused.report?.failedPhase).toBe('inspect');
    expect(refused.report?.reason).toMatch(/connected as uid \d+ \(deploy\).*sudo: true/);

    const run = await runOnFleet({
      ...haproxyInputs(),
      hosts,
      sudo: 'true',
      strategy: 'drain-restart',
      service: 'app',
      'check-window': '2s',
      'min-requests': '1',
    });
    expect(run.outputs.status, run.stdout).toBe('success');
    expect(run.report?.hosts.map((h) => h.status)).toEqual(['success', 'success', 'success']);
    // The commands really ran through sudo as deploy.
    expect(
      hostExec('web-1', 'journalctl --no-pager -q _COMM=sudo | grep -c "deploy : .*COMMAND=/usr/bin/timeout" || true').stdout.trim(),
    ).not.toBe('0');
    expect(existsSync(CANARY)).toBe(false);
  });
});
