import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INPUT_DEFAULTS } from '../../src/settings/inputs';

interface ActionInput {
  description?: string;
  required?: boolean;
  default?: unknown;
}

const action = parse(readFileSync(join(__dirname, '../../action.yml'), 'utf8')) as {
  inputs: Record<string, ActionInput>;
  outputs: Record<string, unknown>;
};
const inputs = action.inputs;

describe('action.yml inputs and INPUT_DEFAULTS', () => {
  it('name the same inputs', () => {
    expect(Object.keys(INPUT_DEFAULTS).sort()).toEqual(Object.keys(inputs).sort());
  });

  it.each(Object.keys(inputs))('%s has the same default in both', (name) => {
    const declared = inputs[name]?.default;
    // The runner hands every input over as a string; YAML may have parsed an unquoted default.
    const expected = declared === undefined || declared === null ? '' : String(declared);
    expect(INPUT_DEFAULTS[name as keyof typeof INPUT_DEFAULTS]).toBe(expected);
  });

  it('declares every default as a string, so YAML cannot change its meaning', () => {
    for (const [name, input] of Object.entries(inputs)) {
      if (input.default !== undefined) expect(typeof input.default, name).toBe('string');
    }
  });

  it('requires hosts, and only hosts, with no default', () => {
    expect(inputs.hosts?.required).toBe(true);
    expect(inputs.hosts?.default).toBeUndefined();
    expect(INPUT_DEFAULTS.hosts).toBe('');
    const required = Object.entries(inputs)
      .filter(([, i]) => i.required === true)
      .map(([n]) => n);
    expect(required).toEqual(['hosts']);
  });

  it('describes every input', () => {
    for (const [name, input] of Object.entries(inputs)) expect(input.description?.trim(), name).toBeTruthy();
  });

  it('keeps the fixed input names of the spec', () => {
    const fixed = [
      'hosts',
      'user',
      'port',
      'private-key',
      'passphrase',
      'known-hosts',
      'host-key-check',
      'strategy',
      'service',
      'validate-command',
      'lb',
      'lb-host',
      'haproxy-socket',
      'haproxy-backend',
      'drain-command',
      'ready-command',
      'drain-timeout',
      'readiness-url',
      'readiness-timeout',
      'readiness-successes',
      'check-window',
      'check-source',
      'access-log',
      'max-error-rate',
      'min-requests',
      'fail-on-inconclusive',
      'check-url',
      'rollback-command',
      'dry-run',
    ];
    for (const name of fixed) expect(Object.keys(inputs), name).toContain(name);
  });

  it('declares the fixed outputs', () => {
    expect(Object.keys(action.outputs).sort()).toEqual(['failed-host', 'report', 'status']);
  });
});

describe('action.yml for the Marketplace', () => {
  const meta = parse(readFileSync(join(__dirname, '../../action.yml'), 'utf8')) as {
    description: string;
    author?: string;
    inputs: Record<string, ActionInput>;
  };

  it('has a description the Marketplace accepts (at most 125 characters) and an author', () => {
    expect(meta.description.length).toBeLessThanOrEqual(125);
    expect(meta.author).toBe('zero-downtime-restart maintainers');
  });

  it('speaks no in-house jargon in input descriptions', () => {
    for (const [name, input] of Object.entries(meta.inputs)) expect(input.description ?? '', name).not.toMatch(/Pattern [A-D]\b|\bseed\b/);
  });
});
