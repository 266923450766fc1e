import { utils as ssh2Utils } from 'ssh2';
import type { InputName } from './inputs';

/** The inputs a key and its passphrase come from: the hosts' pair or the jump hosts' pair. */
export interface KeyInputs {
  key: InputName;
  passphrase: InputName;
}

/** Why a private key cannot be used, without ever quoting the key or the passphrase. */
export function checkPrivateKey(
  key: string,
  passphrase: string | undefined,
  names: KeyInputs = { key: 'private-key', passphrase: 'passphrase' },
): { input: InputName; error: string } | undefined {
  if (!/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(key)) {
    return {
      input: names.key,
      error: 'expected the text of an OpenSSH or PEM private key (-----BEGIN … PRIVATE KEY-----); a path or public key will not do',
    };
  }
  const parsed = ssh2Utils.parseKey(key, passphrase);
  if (!(parsed instanceof Error)) return undefined;
  if (/no passphrase/i.test(parsed.message)) return { input: names.passphrase, error: 'the private key is encrypted; give its passphrase' };
  if (passphrase && /(bad passphrase|decrypt|integrity)/i.test(parsed.message)) {
    return { input: names.passphrase, error: `does not decrypt ${names.key}` };
  }
  return { input: names.key, error: `the key cannot be read: ${parsed.message}` };
}

/** A key input as ssh2 wants it: LF line ends and one final newline. */
export function keyText(text: string): string {
  return `${text.replace(/\r\n/g, '\n').trim()}\n`;
}
