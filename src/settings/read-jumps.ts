import type { SshTarget } from '../transport/target';
import { parseJumpChain } from './hosts';
import type { InputReader } from './input-reader';
import { checkPrivateKey, keyText } from './private-key';
import type { Settings } from './settings';

/** The jump chain an input names ([] for none or empty); a bad chain is a complaint naming the input. */
function readChain(r: InputReader, name: 'jump-hosts' | 'lb-jump', user: string): SshTarget[] {
  const chain = parseJumpChain(r.raw(name), user);
  if (typeof chain !== 'string') return chain;
  r.complain(name, `expected [user@]host[:port], several separated by commas (as OpenSSH's ProxyJump), or none: ${chain}`);
  return [];
}

/**
 * jump-hosts for every host that does not name its own `jump` in the hosts list; lb-jump for the
 * load balancer, which follows jump-hosts unless told otherwise (it usually sits in the same
 * private network). Returns the hosts with their routes, and the load balancer's chain.
 */
export function readRoutes(r: InputReader, hosts: SshTarget[], user: string): { hosts: SshTarget[]; lbJump: SshTarget[] } {
  const common = readChain(r, 'jump-hosts', user);
  const lbJump = r.isGiven('lb-jump') ? readChain(r, 'lb-jump', user) : common;
  if (r.isGiven('lb-jump') && !r.isGiven('lb-host')) r.complain('lb-jump', 'is set but lb-host is not: it is the route to lb-host');
  return { hosts: hosts.map((h) => (h.jump === undefined && common.length ? { ...h, jump: common } : h)), lbJump };
}

/**
 * jump-private-key and jump-passphrase: the jump hosts' own key, when they do not take the hosts'
 * key. Secrets are never echoed in any message.
 */
export function readJumpCredentials(r: InputReader, anyJump: boolean): Pick<Settings['ssh'], 'jumpCredentials'> {
  if (!r.isGiven('jump-private-key')) {
    if (r.isGiven('jump-passphrase')) r.complain('jump-passphrase', 'is set but jump-private-key is not');
    return {};
  }
  if (!anyJump) r.complain('jump-private-key', "is set but no host goes through a jump host (jump-hosts, a host's jump, lb-jump)");
  const privateKey = keyText(r.given('jump-private-key'));
  const passphrase = r.isGiven('jump-passphrase') ? r.given('jump-passphrase') : undefined;
  const problem = checkPrivateKey(privateKey, passphrase, { key: 'jump-private-key', passphrase: 'jump-passphrase' });
  if (problem) r.complain(problem.input, problem.error);
  return { jumpCredentials: { privateKey, ...(passphrase ? { passphrase } : {}) } };
}
