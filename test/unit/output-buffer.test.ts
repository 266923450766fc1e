import { describe, expect, it } from 'vitest';
import { OUTPUT_LIMIT_BYTES, OutputBuffer, OutputLimitError } from '../../src/transport/output-buffer';

const b = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('OutputBuffer', () => {
  it('finds a delimiter split at every possible place between two chunks', () => {
    const text = 'before\u001eabc123 \u001eafter';
    const delimiter = '\u001eabc123 ';
    for (let cut = 0; cut <= text.length; cut++) {
      const buffer = new OutputBuffer('stdout');
      buffer.push(b(text.slice(0, cut)));
      const early = buffer.take(delimiter);
      buffer.push(b(text.slice(cut)));
      expect(early ?? buffer.take(delimiter)).toBe('before');
      expect(buffer.take('\u001e')).toBe('');
      buffer.push(b('\u001e'));
      expect(buffer.take('\u001e')).toBe('after');
    }
  });

  it('unread: what arrived and no take removed, searched or not; nothing once past the cap', () => {
    const buffer = new OutputBuffer('stderr', 64);
    buffer.push(b('one<END>two '));
    expect(buffer.take('<END>')).toBe('one');
    buffer.push(b('three'));
    expect(buffer.take('<NEVER>')).toBeUndefined();
    expect(buffer.unread()).toBe('two three');
    buffer.push(b('x'.repeat(64)));
    expect(buffer.unread()).toBe('');
  });

  it('finds a delimiter that arrives one character per chunk, after many chunks', () => {
    const buffer = new OutputBuffer('stdout');
    const text = `${'x'.repeat(1000)}<END>`;
    const found = [...text].map((ch) => {
      buffer.push(b(ch));
      return buffer.take('<END>');
    });
    expect(found.slice(0, -1).every((f) => f === undefined)).toBe(true);
    expect(found.at(-1)).toBe('x'.repeat(1000));
  });

  it('reports the first delimiter only, and keeps the rest for the next take', () => {
    const buffer = new OutputBuffer('stdout');
    buffer.push(b('a|b|c'));
    expect(buffer.take('|')).toBe('a');
    expect(buffer.take('|')).toBe('b');
    expect(buffer.take('|')).toBeUndefined();
    buffer.push(b('|'));
    expect(buffer.take('|')).toBe('c');
  });

  it('keeps a multi-byte character split across chunks intact', () => {
    const buffer = new OutputBuffer('stdout');
    const bytes = b('héllo→!');
    for (const byte of bytes) buffer.push(Buffer.from([byte]));
    expect(buffer.take('!')).toBe('héllo→');
  });

  it('past the cap drops what it held and throws on every take, naming the stream', () => {
    const buffer = new OutputBuffer('stderr', 1000);
    buffer.push(Buffer.alloc(600, 'a'));
    expect(buffer.take('\n')).toBeUndefined();
    buffer.push(Buffer.alloc(600, 'a'));
    expect(buffer.overflow).toBe(true);
    expect(() => buffer.take('\n')).toThrow(OutputLimitError);
    expect(() => buffer.take('\n')).toThrow(/^stderr passed 1000 bytes, the most one command may return$/);
  });

  it('counts the cap per take: output already taken does not count again', () => {
    const buffer = new OutputBuffer('stdout', 1000);
    for (let i = 0; i < 10; i++) {
      buffer.push(Buffer.alloc(600, 'a'));
      buffer.push(b('\n'));
      expect(buffer.take('\n')).toHaveLength(600);
    }
  });

  // Searching the whole buffer after each of 8192 chunks would scan 32 GiB: minutes, not seconds.
  it('searches each chunk once: 8 MiB in 1 KiB chunks, looked at after each, takes a few seconds at most', () => {
    const buffer = new OutputBuffer('stdout');
    const chunk = Buffer.alloc(1024, 'x');
    const started = performance.now();
    let early = 0;
    for (let sent = 0; sent + 1024 < OUTPUT_LIMIT_BYTES; sent += 1024) {
      buffer.push(chunk);
      if (buffer.take('\u001emarker') !== undefined) early += 1;
    }
    buffer.push(b('\u001emarker'));
    expect(buffer.take('\u001emarker')).toHaveLength(OUTPUT_LIMIT_BYTES - 1024);
    expect(early).toBe(0);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
