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

  it('a torn-down protocol (ssh2 marks it by unsetting _destruct) gets no packet', () => {
    let allocated = 0;
    const writer = { allocStart: 0, alloc: (n: number) => (allocated++, Buffer.alloc(n)), finalize: (b: Buffer) => b };
    const send = ignoreSender(clientWith({ _protocol: { _packetRW: { write: writer }, _destruct: undefined } }));
    expect(send).not.toBeNull();
    send?.();
    expect(allocated).toBe(0);
  });
});
