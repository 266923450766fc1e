import { SECRET_INPUTS } from '../settings/inputs';
import { URL_INPUTS, urlCredentials } from '../settings/values';
import type { EntryIO } from './io';

/**
 * Registers secrets before anything else can print them, line by line too: the main step first
 * thing, the post step before it reconciles (its output carries host text), and the CLI before it
 * prints anything at all.
 */
export function maskSecrets(io: Pick<EntryIO, 'input' | 'maskSecret'>): void {
  // The Authorization header carries basic auth base64-encoded: that form is masked too.
  const basic = io.input('prometheus-basic-auth').trim();
  if (basic) io.maskSecret(Buffer.from(basic, 'utf8').toString('base64'));
  // A password in a URL input (basic auth on a readiness endpoint) shows wherever the URL does.
  for (const name of URL_INPUTS) for (const part of urlCredentials(io.input(name))) io.maskSecret(part);
  for (const name of SECRET_INPUTS) {
    const value = io.input(name);
    if (!value) continue;
    const parts = new Set([
      value,
      ...value
        .split(/\r?\n/)
        .map((l) => l.trim())
        // A key's armour (`-----BEGIN OPENSSH PRIVATE KEY-----`) is public text, not a secret.
        .filter((l) => l.length >= 8 && !/^-----(BEGIN|END) .*-----$/.test(l)),
    ]);
    for (const part of parts) io.maskSecret(part);
  }
}
