/** Jump-host inputs: jump-hosts, a host's own `jump`, lb-jump, the jump hosts' key; each bad input named. */
import { sshKeygen } from '../support/keys';
import { describe, expect, it } from 'vitest';
import { runMain } from '../../src/app/main';
import type { MainIO } from '../../src/app/io';
import { parseJumpChain } from '../../src/settings/hosts';
import type { InputName } from '../../src/settings/inputs';
import { readSettings, type SettingsResult } from '../../src/settings/read-settings';
import type { Settings } from '../../src/settings/settings';
import { describeRoute } from '../../src/transport/target';

const CLIENT = sshKeygen('ed25519');
const JUMP_PASSPHRASE = 'jump-Correct-Horse-9931';
const JUMP_KEY = sshKeygen('ed25519', { passphrase: JUMP_PASSPHRASE, cipher: 'aes256-ctr', rounds: 2 });

function read(over: Partial<Record<InputName, string>>): SettingsResult {
  const inputs: Partial<Record<InputName, string>> = { hosts: 'web1', 'private-key': CLIENT.private, 'host-key-check': 'off', ...over };
  return readSettings((name) => inputs[name] ?? '', {});
}

function settingsOf(result: SettingsResult): Settings {
  if (!result.ok) throw new Error(`expected valid settings, got:\n${result.errors.join('\n')}`);
  return result.settings;
}

function errorsOf(result: SettingsResult): string[] {
  if (result.ok) throw new Error('expected errors, got valid settings');
  return result.errors;
}

describe('parseJumpChain (OpenSSH ProxyJump syntax)', () => {
  it('reads hops first to last; user defaults to the user input, port to 22', () => {
    expect(parseJumpChain('bastion.example.com, ops@10.0.0.5:2222,[2001:db8::1]:22', 'deploy')).toEqual([
      { host: 'bastion.example.com', port: 22, user: 'deploy', name: 'bastion.example.com' },
      { host: '10.0.0.5', port: 2222, user: 'ops', name: '10.0.0.5:2222' },
      { host: '2001:db8::1', port: 22, user: 'deploy', name: '2001:db8::1' },
    ]);
  });

  it('none and empty mean direct', () => {
    expect(parseJumpChain('none', 'root')).toEqual([]);
    expect(parseJumpChain('  ', 'root')).toEqual([]);
  });

  it.each([
    ['b1,,b2', /an empty hop between commas/],
    ['b1:99999', /port "99999" is not a number from 1 to 65535/],
    ['ssh://b1', /without ssh:\/\//],
    ['b1,b2,b1', /"b1" appears twice \(a loop\)/],
    ['b1,B1.', /"B1\." appears twice \(a loop\)/],
    ['[::1],[0:0::1]', /"\[0:0::1\]" appears twice \(a loop\)/],
    ['b1 b2', /not a host name/],
    ['a,b,c,d,e,f,g,h,i', /9 hops; at most 8/],
  ])('%s is refused', (text, why) => {
    const result = parseJumpChain(text, 'root');
    expect(typeof result).toBe('string');
    expect(result).toMatch(why);
  });
});

describe('routes from the inputs', () => {
  it('jump-hosts applies to every host; a host in the YAML list names its own chain or none', () => {
    const s = settingsOf(
      read({
        hosts:
          '- {host: 10.0.1.1, name: web-1}\n- {host: 10.0.1.2, name: web-2, jump: "ops@b2:2200"}\n- {host: 10.0.1.3, name: web-3, jump: none}',
        'jump-hosts': 'jump@b1',
      }),
    );
    expect(s.hosts.map(describeRoute)).toEqual(['root@10.0.1.1:22 via jump@b1:22', 'root@10.0.1.2:22 via ops@b2:2200', 'root@10.0.1.3:22']);
  });

  it('no jump-hosts: hosts are direct, and a host may still name its own chain', () => {
    const s = settingsOf(read({ hosts: '- web1\n- {host: web2, jump: "b1,b2"}' }));
    expect(s.hosts.map(describeRoute)).toEqual(['root@web1:22', 'root@web2:22 via root@b1:22 → root@b2:22']);
  });

  it('the load balancer follows jump-hosts unless lb-jump says otherwise (none: direct)', () => {
    const base = { lb: 'haproxy', 'lb-host': 'lb1', 'haproxy-backend': 'web', 'jump-hosts': 'b1' };
    const lbOf = (s: Settings): string => (s.lb.kind === 'haproxy' ? describeRoute(s.lb.host) : '');
    expect(lbOf(settingsOf(read(base)))).toBe('root@lb1:22 via root@b1:22');
    expect(lbOf(settingsOf(read({ ...base, 'lb-jump': 'none' })))).toBe('root@lb1:22');
    expect(lbOf(settingsOf(read({ ...base, 'lb-jump': 'ops@b9:2222' })))).toBe('root@lb1:22 via ops@b9:2222');
  });

  it('bad chains are named by their input (or host item) before any host is touched', () => {
    const errors = errorsOf(
      read({
        hosts: '- {host: web1, jump: "b1,,b2"}\n- {host: web2, jump: [b1]}',
        'jump-hosts': 'b1:0',
        'lb-jump': 'b1',
      }),
    );
    expect(errors).toEqual([
      `Input 'hosts': item 1: jump "b1,,b2": an empty hop between commas`,
      `Input 'hosts': item 2: jump must be a string: [user@]host[:port], comma-separated, or none`,
      `Input 'jump-hosts': expected [user@]host[:port], several separated by commas (as OpenSSH's ProxyJump), or none: "b1:0": port "0" is not a number from 1 to 65535`,
      `Input 'lb-jump': is set but lb-host is not: it is the route to lb-host`,
    ]);
  });
});

describe('the jump hosts’ own key', () => {
  it('jump-private-key with its passphrase is kept apart from the hosts’ key', () => {
    const s = settingsOf(read({ 'jump-hosts': 'b1', 'jump-private-key': JUMP_KEY.private, 'jump-passphrase': JUMP_PASSPHRASE }));
    expect(s.ssh.jumpCredentials).toEqual({ privateKey: `${JUMP_KEY.private.trim()}\n`, passphrase: JUMP_PASSPHRASE });
    expect(s.ssh.privateKey).toBe(`${CLIENT.private.trim()}\n`);
  });

  it('no jump-private-key: none kept (the jump hosts take the hosts’ key or agent)', () => {
    expect(settingsOf(read({ 'jump-hosts': 'b1' })).ssh.jumpCredentials).toBeUndefined();
  });

  it.each<[Partial<Record<InputName, string>>, string]>([
    [
      { 'jump-hosts': 'b1', 'jump-private-key': JUMP_KEY.private },
      `Input 'jump-passphrase': the private key is encrypted; give its passphrase`,
    ],
    [
      { 'jump-hosts': 'b1', 'jump-private-key': JUMP_KEY.private, 'jump-passphrase': 'wrong-one' },
      `Input 'jump-passphrase': does not decrypt jump-private-key`,
    ],
    [
      { 'jump-hosts': 'b1', 'jump-private-key': '/home/me/.ssh/id_ed25519' },
      `Input 'jump-private-key': expected the text of an OpenSSH or PEM private key`,
    ],
    [{ 'jump-hosts': 'b1', 'jump-passphrase': 'x' }, `Input 'jump-passphrase': is set but jump-private-key is not`],
    [{ 'jump-private-key': CLIENT.private }, `Input 'jump-private-key': is set but no host goes through a jump host`],
  ])('%o → %s', (over, error) => {
    const errors = errorsOf(read(over));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.startsWith(error)).toBe(true);
    // Never the secret itself.
    expect(errors[0]).not.toContain('wrong-one');
    expect(errors[0]).not.toContain(JUMP_KEY.private.split('\n')[1]);
  });

  it('the main step masks jump-private-key and jump-passphrase, whole and line by line', async () => {
    const masked: string[] = [];
    const inputs: Partial<Record<InputName, string>> = {
      'jump-private-key': 'line-one-of-jump-key\nline-two-of-jump-key',
      'jump-passphrase': 'jump-pass',
    };
    const io = {
      input: (name: InputName) => inputs[name] ?? '',
      env: {},
      maskSecret: (v: string) => void masked.push(v),
      fail: () => {},
      publish: async () => {},
    } as unknown as MainIO;
    await runMain(io);
    expect(masked).toEqual(['line-one-of-jump-key\nline-two-of-jump-key', 'line-one-of-jump-key', 'line-two-of-jump-key', 'jump-pass']);
  });
});
