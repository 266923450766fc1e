import type { Settings } from '../settings/settings';
import { KnownHosts } from '../transport/known-hosts';
import type { Connector } from '../transport/connection';
import { SshConnector } from '../transport/ssh-connector';

/** Keepalive probe interval: three missed probes (15 s) end a dead connection. */
const KEEPALIVE_MS = 5000;

/** The SSH connector the settings describe: key or agent, host-key policy, timeouts. */
export function connectorFor(settings: Settings): Connector {
  return new SshConnector({
    ...(settings.ssh.privateKey ? { privateKey: settings.ssh.privateKey } : {}),
    ...(settings.ssh.passphrase ? { passphrase: settings.ssh.passphrase } : {}),
    ...(settings.ssh.agent ? { agent: settings.ssh.agent } : {}),
    ...(settings.ssh.jumpCredentials ? { jumpCredentials: settings.ssh.jumpCredentials } : {}),
    hostKeys:
      settings.ssh.hostKeyCheck === 'off' ? { mode: 'off' } : { mode: 'strict', knownHosts: new KnownHosts(settings.ssh.knownHosts) },
    connectTimeoutMs: settings.ssh.connectTimeoutMs,
    keepaliveMs: KEEPALIVE_MS,
  });
}
