import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A key pair from OpenSSH's own ssh-keygen. Not ssh2's generateKeyPairSync: about one ed25519 key
 * in 256 comes out malformed there (a public key whose first byte is 0 is written 31 bytes long,
 * and ssh2 then refuses its own key), which made tests fail at random.
 */
export function sshKeygen(
  type: 'ed25519' | 'ecdsa' | 'rsa',
  options: { bits?: number; passphrase?: string; comment?: string; rounds?: number; cipher?: string } = {},
): { private: string; public: string } {
  const dir = mkdtempSync(join(tmpdir(), 'zdr-key-'));
  try {
    const file = join(dir, 'key');
    const args = ['-q', '-t', type, '-f', file, '-N', options.passphrase ?? '', '-C', options.comment ?? ''];
    if (options.bits) args.push('-b', String(options.bits));
    if (options.rounds) args.push('-a', String(options.rounds));
    execFileSync('ssh-keygen', args, { stdio: 'ignore' });
    return { private: readFileSync(file, 'utf8'), public: readFileSync(`${file}.pub`, 'utf8').trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
