import type { RemoteCommand } from './exec';

/** The access log's inode and size, and the host's clock (log times are the host's times). */
export function logMark(file: string, timeoutMs: number): RemoteCommand {
  return {
    kind: 'log-mark',
    title: `mark ${file}`,
    timeoutMs,
    script: `printf '%s %s ' "$(stat -c '%i %s' -- "$1")" "$(date +%s%3N)"`,
    args: [file],
  };
}

/**
 * Up to `maxBytes` of the access log from `offset` of the file with inode `inode`. The first line
 * says where the bytes came from: `same SIZE` (still the live file), `old SIZE NEWINODE` (rotated:
 * these bytes are the old file's rest), or `gone NEWINODE` (rotated and the old file is not found).
 */
export function logRead(file: string, inode: number, offset: number, maxBytes: number, timeoutMs: number): RemoteCommand {
  return {
    kind: 'log-read',
    title: `read ${file}`,
    timeoutMs,
    script: `f=$1; ino=$2; off=$3; max=$4
cur=$(stat -c %i -- "$f" 2>/dev/null || echo 0)
if [ "$cur" = "$ino" ]; then
  printf 'same %s\\n' "$(stat -c %s -- "$f")"; tail -c +$((off + 1)) -- "$f" | head -c "$max"
else
  old=$(find "$(dirname -- "$f")" -maxdepth 1 -inum "$ino" -print 2>/dev/null | head -n 1)
  if [ -n "$old" ]; then printf 'old %s %s\\n' "$(stat -c %s -- "$old")" "$cur"; tail -c +$((off + 1)) -- "$old" | head -c "$max"
  else printf 'gone %s\\n' "$cur"; fi
fi`,
    args: [file, String(inode), String(offset), String(maxBytes)],
  };
}

/** The last `maxBytes` of the access log before `offset`: the baseline window's lines. */
export function logBefore(file: string, offset: number, maxBytes: number, timeoutMs: number): RemoteCommand {
  return {
    kind: 'log-before',
    title: `read ${file} before the change`,
    timeoutMs,
    script: `head -c "$2" -- "$1" | tail -c "$3"`,
    args: [file, String(offset), String(maxBytes)],
  };
}
