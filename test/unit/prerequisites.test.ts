import { describe, expect, it } from 'vitest';
import {
  CHECKED_COMMANDS,
  explainNotFound,
  missingCommands,
  neededCommands,
  prerequisiteProblem,
  wrapperNotFound,
} from '../../src/inspect/prerequisites';
import { execLine, inspectUnit } from '../../src/remote/commands';
import { RemoteCommandError } from '../../src/remote/remote-host';
import type { InputName } from '../../src/settings/inputs';
import { readSettings } from '../../src/settings/read-settings';
import type { Settings } from '../../src/settings/settings';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function settings(over: Partial<Record<InputName, string>> = {}): Settings {
  const inputs: Partial<Record<InputName, string>> = { hosts: 'web1', 'host-key-check': 'off', ...over };
  const result = readSettings((name) => inputs[name] ?? '', { SSH_AUTH_SOCK: '/run/agent.sock' });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.settings;
}

const commandsOf = (s: Settings, drain: boolean): string[] => neededCommands(s, drain).map((n) => n.command);

describe('neededCommands: what a rollout runs on a host, from its inputs', () => {
  it('always systemctl and flock; curl only for readiness, probe or stub_status', () => {
    expect(commandsOf(settings(), false)).toEqual(['systemctl', 'flock']);
    expect(commandsOf(settings({ 'readiness-url': 'http://127.0.0.1/healthz' }), false)).toEqual(['systemctl', 'flock', 'curl']);
    expect(commandsOf(settings({ 'check-source': 'probe', 'check-url': 'http://127.0.0.1/' }), false)).toContain('curl');
  });

  it('ss only when a host is drained from a load balancer that counts nothing, and no stub-status-url', () => {
    const nginxLb = settings({ lb: 'nginx', 'lb-host': 'lb1' });
    expect(commandsOf(nginxLb, true)).toContain('ss');
    expect(commandsOf(nginxLb, false)).not.toContain('ss');
    expect(commandsOf(settings({ lb: 'haproxy', 'lb-host': 'lb1', 'haproxy-backend': 'app' }), true)).not.toContain('ss');
    const stub = settings({ lb: 'nginx', 'lb-host': 'lb1', 'stub-status-url': 'http://127.0.0.1/s' });
    expect(commandsOf(stub, true)).toEqual(['systemctl', 'flock', 'curl']);
  });

  it('checks only commands the inspect round trip reports on', () => {
    for (const drain of [true, false]) {
      const all = settings({
        lb: 'command',
        'drain-command': 'x {name}',
        'ready-command': 'y {name}',
        'readiness-url': 'http://127.0.0.1/',
      });
      for (const c of commandsOf(all, drain)) expect(CHECKED_COMMANDS).toContain(c);
    }
  });
});

describe('prerequisiteProblem: a clear message naming the host and what it lacks', () => {
  it('names the host, each missing command, its package and what needs it', () => {
    const needed = neededCommands(settings({ 'readiness-url': 'http://127.0.0.1/healthz' }), false);
    const message = prerequisiteProblem('web-2', ['flock', 'curl', 'ss'], needed);
    expect(message).toBe(
      'web-2 lacks commands this rollout runs there: flock (package util-linux: the lock that keeps two rollouts off one host), ' +
        'curl (package curl: requests from the host for readiness-url). Install them on that host (Debian/Ubuntu: apt-get install util-linux curl), ' +
        'or change the inputs that need them.',
    );
  });

  it('is null when every needed command is there, whatever else is missing', () => {
    expect(prerequisiteProblem('web-1', ['ss', 'curl'], neededCommands(settings(), false))).toBeNull();
  });
});

describe('the inspect round trip reports missing commands (run by sh with a PATH that lacks some)', () => {
  it('prints zdr.missing= for each command the host lacks, and exits 0', () => {
    const bin = mkdtempSync(join(tmpdir(), 'zdr-bin-'));
    try {
      // A host with only what a command line itself needs: sh and timeout, and printf/cat/id (no
      // env: the script sets its own locale; a host needs env only to start the long-lived shell).
      for (const tool of ['sh', 'timeout', 'cat', 'id', 'printf']) {
        const found = execFileSync('/bin/sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
        if (found.startsWith('/')) symlinkSync(found, join(bin, tool));
      }
      writeFileSync(join(bin, 'flock'), '#!/bin/sh\n', { mode: 0o755 });
      const line = execLine(inspectUnit('nginx.service', 5000, CHECKED_COMMANDS), { sudo: false });
      const stdout = execFileSync('/bin/sh', ['-c', line], { env: { PATH: bin }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(missingCommands(stdout)).toEqual(['systemctl', 'curl', 'ss']);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe('wrapperNotFound / explainNotFound: the host lacks timeout, sudo or socat', () => {
  it.each([
    ['sh: 1: timeout: not found', 'timeout'],
    ['bash: line 1: timeout: command not found', 'timeout'],
    ['sudo: timeout: command not found', 'timeout'],
    ['bash: sudo: command not found', 'sudo'],
    ['zsh:1: command not found: timeout', 'timeout'],
    ['sh: 1: socat: not found', 'socat'],
  ])('%s → %s', (stderr, command) => {
    expect(wrapperNotFound(stderr)?.command).toBe(command);
  });

  it('leaves other failures alone (a user command that is not found is the user’s)', () => {
    expect(wrapperNotFound('sh: 1: mytimeout: not found')).toBeNull();
    expect(wrapperNotFound('nginx: [emerg] unknown directive')).toBeNull();
    const other = new Error('boom');
    expect(explainNotFound('web-1', other)).toBe(other);
  });

  it('turns a RemoteCommandError into the message naming the host', () => {
    const cmd = inspectUnit('nginx.service', 5000);
    const error = new RemoteCommandError(
      cmd,
      { code: 127, signal: null, stdout: '', stderr: 'sh: 1: timeout: not found\n', durationMs: 5 },
      'exited 127',
    );
    const explained = explainNotFound('web-3', error) as Error;
    expect(explained.message).toMatch(
      /^web-3 lacks a command this rollout runs there: timeout \(package coreutils: every remote command runs under `timeout`/,
    );
    expect(explained.message).toContain('apt-get install coreutils');
  });
});
