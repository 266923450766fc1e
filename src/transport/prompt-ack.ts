import type { Socket } from 'node:net';
import type { Client } from 'ssh2';

/** SSH_MSG_IGNORE with an empty string (RFC 4253 §11.2): every server reads and drops it. */
const IGNORE = Uint8Array.of(2, 0, 0, 0, 0);

/** The parts of ssh2's protocol object this uses; not public API, so checked before use. */
interface PacketWriter {
  allocStart: number;
  alloc(size: number): Buffer;
  finalize(packet: Buffer): Buffer;
}
interface Ssh2Protocol {
  /** Its packet writer: a new one is installed by every key exchange. */
  _packetRW?: { write?: Partial<PacketWriter> };
  /** Set until the protocol is torn down (then writing throws). */
  _destruct?: unknown;
  /** Set while a key exchange is under way (a packet is then only queued). */
  _kexinit?: unknown;
}
type SendPacket = (proto: Ssh2Protocol, packet: Buffer) => boolean;

/* eslint-disable-next-line @typescript-eslint/no-require-imports -- ssh2's CommonJS module, the one that writes its packets */
const { sendPacket } = require('ssh2/lib/protocol/utils.js') as { sendPacket?: SendPacket };

function isWriter(write: Partial<PacketWriter> | undefined): write is PacketWriter {
  return typeof write?.alloc === 'function' && typeof write.finalize === 'function' && typeof write.allocStart === 'number';
}

/** A function that sends one SSH_MSG_IGNORE on `client`'s connection, or null where ssh2 has changed. */
export function ignoreSender(client: Client): (() => void) | null {
  const proto = (client as unknown as { _protocol?: Ssh2Protocol })._protocol;
  if (!proto || !isWriter(proto._packetRW?.write) || typeof sendPacket !== 'function') return null;
  return () => {
    // Torn down; or in a key exchange, where the packet would wait in a queue and carry no ACK.
    if (proto._destruct === undefined || proto._kexinit !== undefined) return;
    // Read at each use, as ssh2's own senders do: a key exchange replaces the writer, and the old
    // one's allocStart no longer fits a packet.
    const writer = proto._packetRW?.write;
    if (!isWriter(writer)) return;
    const at = writer.allocStart;
    const packet = writer.alloc(IGNORE.length);
    packet.set(IGNORE, at);
    sendPacket(proto, writer.finalize(packet));
  };
}

/**
 * Makes this side acknowledge what the server sends at once, by answering a read after which
 * nothing else went out with an SSH_MSG_IGNORE (the TCP ACK rides on it). Call once the
 * connection is ready. Returns false where ssh2's internals are not what this expects (nothing
 * is then changed: the connection works as before, only slower).
 *
 * Why: sshd leaves Nagle's algorithm on until a command starts (OpenSSH sets TCP_NODELAY when it
 * runs one, and never on a connection that only forwards, like a jump host's), and Linux holds an
 * ACK back up to 40 ms when the receiver has nothing to send. After the handshake sshd writes in
 * small bursts (its host keys, debug lines, a channel's confirmation), each held until the one
 * before is acknowledged: through the fleet's bastion every host's first commands took ~100 ms
 * instead of ~20 (`npm run bench -- --part bastion`). Node cannot set TCP_QUICKACK; a packet of
 * our own does the same.
 */
export function ackPromptly(client: Client, sock: Socket): boolean {
  const sendIgnore = ignoreSender(client);
  if (!sendIgnore) return false;
  let pending = false;
  let broken = false;
  let written = 0;
  // Before ssh2's own listener: what ssh2 writes in answer as it parses (a window adjust, a
  // keepalive's reply), and what this process writes before setImmediate, carries the ACK itself.
  sock.prependListener('data', () => {
    if (broken) return;
    written = sock.bytesWritten; // as of the latest read: an earlier write acknowledges only earlier ones
    if (pending) return;
    pending = true;
    setImmediate(() => {
      pending = false;
      if (sock.bytesWritten !== written || !sock.writable || sock.destroyed) return;
      try {
        sendIgnore();
      } catch {
        // Never worth a run: ssh2 is not what this expects after all, so it stops here and the
        // connection goes on as it would without it.
        broken = true;
      }
    });
  });
  return true;
}
