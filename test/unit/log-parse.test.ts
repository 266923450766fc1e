import { describe, expect, it } from 'vitest';
import { emptyTally, isErrorStatus, parseLogLine, parseTimeLocal, redactLine, tallyLines } from '../../src/checks/log-parse';
import { completeLines } from '../../src/checks/sources/access-log';

/** 25 Nov 2026 11:37:41 UTC. */
const T0 = Date.UTC(2026, 10, 25, 11, 37, 41);

/** A line in nginx's combined format. */
function combined(status: number, target = '/', time = '25/Nov/2026:11:37:41 +0000', referer = '-'): string {
  return `203.0.113.9 - alice [${time}] "GET ${target} HTTP/1.1" ${status} 612 "${referer}" "curl/8.5.0"`;
}

describe('parseTimeLocal', () => {
  it.each([
    ['25/Nov/2026:11:37:41 +0000', T0],
    ['25/Nov/2026:13:37:41 +0200', T0],
    ['25/Nov/2026:06:07:41 -0530', T0],
    ['26/Nov/2026:00:37:41 +1300', T0],
    ['01/Jan/2027:00:00:00 +0000', Date.UTC(2027, 0, 1)],
    ['31/Dec/2026:23:30:00 -0100', Date.UTC(2027, 0, 1, 0, 30)],
  ])('%s', (text, expected) => {
    expect(parseTimeLocal(text)).toBe(expected);
  });

  it.each([
    '',
    '25/Nov/2026:11:37:41',
    '25/Foo/2026:11:37:41 +0000',
    '2026-11-25T11:37:41Z',
    '25/Nov/2026 11:37:41 +0000',
    '5/Nov/2026:11:37:41 +0000',
  ])('is null for %j', (text) => {
    expect(parseTimeLocal(text)).toBeNull();
  });
});

describe('parseLogLine', () => {
  describe('combined format', () => {
    it('reads the time, status and path without the query string', () => {
      const line = combined(502, '/api/orders?id=7&token=abc');
      expect(parseLogLine(line)).toEqual({ time: T0, status: 502, path: '/api/orders', line });
    });

    it('applies the timezone offset', () => {
      expect(parseLogLine(combined(200, '/', '25/Nov/2026:12:37:41 +0100'))?.time).toBe(T0);
      expect(parseLogLine(combined(200, '/', '25/Nov/2026:08:37:41 -0300'))?.time).toBe(T0);
    });

    it('reads lines with extra fields after the user agent (nginx "main" format)', () => {
      const line = `${combined(200, '/x')} "198.51.100.1, 10.0.0.1"`;
      expect(parseLogLine(line)).toMatchObject({ status: 200, path: '/x' });
    });

    it('reads a request with an escaped quote inside', () => {
      const line = '203.0.113.9 - - [25/Nov/2026:11:37:41 +0000] "GET /a\\"b HTTP/1.1" 404 0 "-" "-"';
      expect(parseLogLine(line)).toMatchObject({ status: 404, path: '/a\\"b' });
    });

    it('reads a junk request line ("-" or a TLS handshake) with an empty path', () => {
      expect(parseLogLine('203.0.113.9 - - [25/Nov/2026:11:37:41 +0000] "-" 400 0 "-" "-"')).toMatchObject({ status: 400, path: '' });
    });

    it('keeps the entry but no time when the time is unreadable', () => {
      expect(parseLogLine(combined(200, '/', '25/Xyz/2026:11:37:41 +0000'))).toMatchObject({ time: null, status: 200 });
    });

    it('trims surrounding whitespace', () => {
      expect(parseLogLine(`  ${combined(200)}\r`)?.line).toBe(combined(200));
    });
  });

  describe('JSON format', () => {
    it('reads time_iso8601 with an offset, a string status and uri', () => {
      const line = '{"time_iso8601":"2026-11-25T12:37:41+01:00","status":"503","uri":"/checkout","request_uri":"/checkout?x=1"}';
      expect(parseLogLine(line)).toEqual({ time: T0, status: 503, path: '/checkout', line });
    });

    it('reads a numeric status and request_uri without its query', () => {
      expect(parseLogLine('{"time_iso8601":"2026-11-25T11:37:41Z","status":200,"request_uri":"/a?b=c"}')).toMatchObject({
        status: 200,
        path: '/a',
        time: T0,
      });
    });

    it('falls back to the path of "request"', () => {
      expect(parseLogLine('{"status":"404","request":"GET /missing?q=1 HTTP/1.1"}')).toMatchObject({
        status: 404,
        path: '/missing',
        time: null,
      });
    });

    it('reads time_local', () => {
      expect(parseLogLine('{"time_local":"25/Nov/2026:13:37:41 +0200","status":"200","uri":"/"}')?.time).toBe(T0);
    });

    it('reads $time_local written under the key "time" too', () => {
      // `"time":"$time_local"` is a common JSON log_format; Date.parse cannot read that form.
      expect(parseLogLine('{"time":"25/Nov/2026:13:37:41 +0200","status":"200","uri":"/"}')?.time).toBe(T0);
    });

    it('reads msec (seconds with a fraction)', () => {
      expect(parseLogLine('{"msec":"1795606661.123","status":"200","uri":"/"}')?.time).toBe(T0 + 123);
    });

    it('prefers time_iso8601 over msec', () => {
      expect(parseLogLine('{"time_iso8601":"2026-11-25T11:37:41Z","msec":"1","status":"200"}')?.time).toBe(T0);
    });
  });

  describe('malformed lines', () => {
    it.each([
      ['empty', ''],
      ['free text', 'nginx: worker process started'],
      ['broken JSON', '{"status":"200",'],
      ['JSON without status', '{"uri":"/"}'],
      ['JSON with a word for status', '{"status":"ok"}'],
      ['JSON with status 0', '{"status":0}'],
      ['JSON with status 1000', '{"status":1000}'],
      ['JSON with a fractional status', '{"status":200.5}'],
      ['combined without brackets', '203.0.113.9 - - 25/Nov/2026:11:37:41 +0000 "GET / HTTP/1.1" 200 1 "-" "-"'],
      ['combined with a two-digit status', '203.0.113.9 - - [25/Nov/2026:11:37:41 +0000] "GET / HTTP/1.1" 20 1 "-" "-"'],
      ['combined with an unterminated request', '203.0.113.9 - - [25/Nov/2026:11:37:41 +0000] "GET / HTTP/1.1 200 1'],
    ])('%s → null', (_what, line) => {
      expect(parseLogLine(line)).toBeNull();
    });
  });
});

describe('isErrorStatus', () => {
  it.each([
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [599, true],
    [444, true],
    [200, false],
    [204, false],
    [301, false],
    [404, false],
    [429, false],
    [499, false],
  ])('%i → %s', (status, expected) => {
    expect(isErrorStatus(status)).toBe(expected);
  });
});

describe('redactLine', () => {
  it('cuts the query string of the request', () => {
    const out = redactLine(combined(500, '/login?user=bob&token=s3cr3t'));
    expect(out).toContain('"GET /login?… HTTP/1.1"');
    expect(out).not.toContain('s3cr3t');
  });

  it('keeps a line without a query string as it is', () => {
    expect(redactLine(combined(500, '/a/b.css'))).toBe(combined(500, '/a/b.css'));
  });

  it('cuts the query string of the referer', () => {
    const out = redactLine(combined(500, '/next', undefined, 'https://shop.example/cart?session=s3cr3t'));
    expect(out).not.toContain('s3cr3t');
  });

  it('cuts the query string of an absolute-form request target', () => {
    const out = redactLine(combined(502, 'http://app.internal/api?key=s3cr3t'));
    expect(out).not.toContain('s3cr3t');
  });

  it('cuts the query string of a JSON request_uri', () => {
    const out = redactLine('{"status":"502","request_uri":"/api?key=s3cr3t","uri":"/api"}');
    expect(out).not.toContain('s3cr3t');
  });

  it('cuts the query of a JSON "request"', () => {
    expect(redactLine('{"status":"502","request":"GET /api?key=s3cr3t HTTP/1.1"}')).not.toContain('s3cr3t');
  });

  it('bounds the length, marking the cut', () => {
    const out = redactLine(`${combined(500)} ${'x'.repeat(1000)}`);
    expect(out).toHaveLength(300);
    expect(out.endsWith('…')).toBe(true);
    expect(redactLine('y'.repeat(50), 20)).toBe(`${'y'.repeat(19)}…`);
    expect(redactLine('y'.repeat(20), 20)).toBe('y'.repeat(20));
  });
});

describe('tallyLines', () => {
  const noIgnore = new Set<string>();

  it('counts requests and errors (5xx and 444), skips blanks, counts malformed lines', () => {
    const lines = [combined(200), combined(500), '', '   ', combined(444), combined(499), combined(404), 'garbage', combined(503)];
    const t = tallyLines(emptyTally(), lines, noIgnore);
    expect(t).toMatchObject({ requests: 6, errors: 3, malformed: 1, ignored: 0 });
    expect(t.errorLines).toHaveLength(3);
  });

  it('does not count requests for ignored paths (health checks), errors or not', () => {
    const t = tallyLines(
      emptyTally(),
      [combined(200, '/healthz'), combined(503, '/healthz?full=1'), combined(200, '/healthzX'), combined(500, '/')],
      new Set(['/healthz']),
    );
    expect(t).toMatchObject({ requests: 2, errors: 1, ignored: 2 });
  });

  it('with since, counts only entries at or after it, and none without a time', () => {
    const lines = [
      combined(500, '/', '25/Nov/2026:11:37:40 +0000'), // one second before
      combined(500, '/', '25/Nov/2026:11:37:41 +0000'), // exactly at since
      combined(200, '/', '25/Nov/2026:12:37:42 +0100'), // after, other timezone
      combined(500, '/', '25/Nov/2026:12:37:40 +0100'), // before, other timezone
      '{"status":"500","uri":"/"}', // no time
      'garbage',
    ];
    const t = tallyLines(emptyTally(), lines, noIgnore, T0);
    expect(t).toMatchObject({ requests: 2, errors: 1, malformed: 1 });
  });

  it('without since, entries without a time count', () => {
    expect(tallyLines(emptyTally(), ['{"status":"500","uri":"/"}'], noIgnore)).toMatchObject({ requests: 1, errors: 1 });
  });

  it('adds to the tally it is given', () => {
    const t = tallyLines(emptyTally(), [combined(500)], noIgnore);
    tallyLines(t, [combined(200), combined(502)], noIgnore);
    expect(t).toMatchObject({ requests: 3, errors: 2 });
  });

  it('keeps at most keepLines error lines, redacted', () => {
    const lines = [combined(500, '/a?token=1'), combined(502, '/b?token=2'), combined(503, '/c?token=3')];
    const t = tallyLines(emptyTally(), lines, noIgnore, undefined, 2);
    expect(t.errors).toBe(3);
    expect(t.errorLines).toEqual([redactLine(lines[0] as string), redactLine(lines[1] as string)]);
    expect(t.errorLines.join('\n')).not.toMatch(/token=/);
  });

  it('keeps no lines with keepLines 0', () => {
    expect(tallyLines(emptyTally(), [combined(500)], noIgnore, undefined, 0).errorLines).toEqual([]);
  });
});

describe('completeLines', () => {
  it('holds back a partial last line', () => {
    expect(completeLines('a\nb\nc', false)).toEqual({ lines: ['a', 'b'], bytes: 4 });
  });

  it('takes the partial last line when the chunk is final', () => {
    expect(completeLines('a\nb\nc', true)).toEqual({ lines: ['a', 'b', 'c'], bytes: 5 });
  });

  it('takes everything when the chunk ends in a newline', () => {
    expect(completeLines('a\nb\n', false)).toEqual({ lines: ['a', 'b'], bytes: 4 });
  });

  it('takes nothing from a chunk without any newline, unless final', () => {
    expect(completeLines('partial', false)).toEqual({ lines: [], bytes: 0 });
    expect(completeLines('partial', true)).toEqual({ lines: ['partial'], bytes: 7 });
    expect(completeLines('', false)).toEqual({ lines: [], bytes: 0 });
    expect(completeLines('', true)).toEqual({ lines: [], bytes: 0 });
  });

  it('counts empty lines as bytes but not as lines', () => {
    expect(completeLines('\n\na\n', false)).toEqual({ lines: ['a'], bytes: 4 });
  });

  it('counts bytes, not characters, for multi-byte UTF-8', () => {
    // é: 2 bytes; 日本: 3 bytes each; 😀: 4 bytes (2 UTF-16 code units).
    expect(completeLines('é\n日本\n😀 tail', false)).toEqual({ lines: ['é', '日本'], bytes: 3 + 7 });
    expect(completeLines('é\n日本\n😀 tail', true).bytes).toBe(3 + 7 + 9);
    const chunk = `${combined(200, '/café')}\n${combined(500, '/日本')}\n`;
    expect(completeLines(chunk, false).bytes).toBe(Buffer.byteLength(chunk, 'utf8'));
  });

  it('the bytes consumed are exactly the bytes of the lines taken plus their newlines', () => {
    const chunk = 'α\nβγ\n\nδ';
    const { lines, bytes } = completeLines(chunk, false);
    expect(bytes).toBe(Buffer.byteLength(lines.map((l) => `${l}\n`).join(''), 'utf8') + 1 /* the empty line */);
  });
});
