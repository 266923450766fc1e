/**
 * transport/prompt-ack.ts leans on ssh2's protocol object, which is not public API: where it is not
 * what the code expects (another ssh2), it must change nothing rather than throw or write garbage.
 * That it works with the ssh2 installed is shown against a server (test/transport/ssh-connector).
 */
import { Socket } from 'node:net';
import type { Client } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { ackPromptly, ignoreSender } from '../../src/transport/prompt-ack';

const clientWith = (internals: object): Client => internals as unknown as Client;

describe('ackPromptly where ssh2 is not what it expects', () => {
  it.each([
    ['no protocol object', {}],
    ['no packet writer', { _protocol: {} }],
    ['a writer without alloc', { _protocol: { _packetRW: { write: { finalize: () => Buffer.alloc(0) } } } }],
  ])('%s: sends nothing and listens to nothing', (_what, internals) => {
    const client = clientWith(internals);
    expect(ignoreSender(client)).toBeNull();
    const sock = new Socket();
    expect(ackPromptly(client, sock)).toBe(false);
    expect(sock.listenerCount('data')).toBe(0);
    sock.destroy();
  });

  const writer = (allocStart: number, log: string[], name: string) => ({
    allocStart,
    alloc: (n: number) => (log.push(`${name} alloc`), Buffer.alloc(allocStart + n)),
    finalize: (b: Buffer) => b,
  });

  it('a torn-down protocol (ssh2 unsets _destruct) or one in a key exchange (_kexinit set) gets no packet', () => {
    const log: string[] = [];
    const torn = ignoreSender(clientWith({ _protocol: { _packetRW: { write: writer(0, log, 'w') }, _destruct: undefined } }));
    const rekeying = ignoreSender(
      clientWith({ _protocol: { _packetRW: { write: writer(0, log, 'w') }, _destruct: () => {}, _kexinit: Buffer.alloc(1) } }),
    );
    expect(torn).not.toBeNull();
    torn?.();
    rekeying?.();
    expect(log).toEqual([]);
  });

  it('takes the writer a key exchange installed, not the one there at connect', () => {
    const log: string[] = [];
    const proto = { _packetRW: { write: writer(5, log, 'first') }, _destruct: () => {} };
    const send = ignoreSender(clientWith({ _protocol: proto }));
    proto._packetRW.write = writer(5, log, 'second');
    // sendPacket would encrypt with ssh2's cipher, which this fake has none of: it throws after alloc.
    expect(() => send?.()).toThrow();
    expect(log).toEqual(['second alloc']);
  });
});

describe('ackPromptly when sending fails', () => {
  it('stops answering on that connection instead of throwing out of a timer', async () => {
    let allocs = 0;
    const proto = {
      _packetRW: { write: { allocStart: 0, alloc: (n: number) => (allocs++, Buffer.alloc(n)), finalize: (b: Buffer) => b } },
      _destruct: () => {},
    };
    const sock = new Socket();
    Object.defineProperty(sock, 'writable', { value: true });
    expect(ackPromptly(clientWith({ _protocol: proto }), sock)).toBe(true);
    for (let i = 0; i < 3; i++) {
      sock.emit('data', Buffer.from('x'));
      await new Promise((r) => setImmediate(r));
    }
    expect(allocs).toBe(1);
    sock.destroy();
  });
});
