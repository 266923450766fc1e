import type { Connector, Connection } from './connection';
import { handshake, tcpSocket, type Credentials, type HandshakeOptions, type Hop } from './handshake';
import { JumpPool, lostHop } from './jump-pool';
import { SshConnection } from './ssh-connection';
import type { SshTarget } from './target';

export type { HostKeyPolicy } from './handshake';

export interface SshOptions extends Credentials, HandshakeOptions {
  /** The jump hosts' own key or agent; absent: the same as the hosts'. */
  jumpCredentials?: Credentials;
}

function credentialsOf(options: Credentials): Credentials {
  return {
    ...(options.privateKey ? { privateKey: options.privateKey } : {}),
    ...(options.passphrase ? { passphrase: options.passphrase } : {}),
    ...(options.agent ? { agent: options.agent } : {}),
  };
}

/**
 * Connector backed by ssh2's client; commands run on its channels for exact exit semantics. A target with jump hosts is reached through a channel of the last jump host's
 * connection, which all targets behind that jump host share (jump-pool.ts).
 */
export class SshConnector implements Connector {
  private readonly credentials: Credentials;
  private readonly jumps: JumpPool;

  constructor(private readonly options: SshOptions) {
    this.credentials = credentialsOf(options);
    this.jumps = new JumpPool(options, options.jumpCredentials ? credentialsOf(options.jumpCredentials) : this.credentials);
  }

  /** Closes the bastion connections kept for the next host. */
  close(): Promise<void> {
    return this.jumps.close();
  }

  async connect(target: SshTarget): Promise<Connection> {
    const chain = target.jump ?? [];
    if (chain.length === 0) {
      const hop: Hop = { target, role: 'host', destination: target, index: 1, of: 1 };
      return new SshConnection(target, await handshake(hop, tcpSocket(target), this.options, this.credentials));
    }
    const link = await this.jumps.lease(chain, target);
    const hop: Hop = { target, role: 'host', via: link.hop, destination: target, index: chain.length + 1, of: chain.length + 1 };
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.jumps.release(link);
    };
    try {
      const channel = await this.jumps.forward(link, hop);
      const client = await handshake(hop, channel, this.options, this.credentials);
      return new SshConnection(target, client, { explainLoss: () => lostHop(link), released: release });
    } catch (err) {
      release();
      throw err;
    }
  }
}
