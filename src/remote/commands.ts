import { shQuote as q } from './quote';

/**
 * Every command the product runs on a host or load balancer is built here, and every value in it
 * goes through shQuote. Nothing else in the codebase assembles a shell string.
 */
export interface RemoteCommand {
  /** Short human title, used in logs, errors and the dry-run plan. */
  title: string;
  /** POSIX sh script, run as `sh -c` on the remote side. */
  script: string;
  /** Bound on the remote side (the command is killed there) and, with a margin, on this side. */
  timeoutMs: number;
  /**
   * Values the script reads as "$1", "$2"…: passed as separate quoted words, never spliced into
   * the script, so a constant script can work on any name or path.
   */
  args?: string[];
}

/** Seconds `timeout -k` waits after SIGTERM before SIGKILL. */
export const KILL_AFTER_S = 3;

/** How the remote side runs a command: optional sudo, a hard time limit, a fixed locale. */
export function execLine(cmd: RemoteCommand, options: { sudo: boolean }): string {
  const seconds = Math.max(0.1, cmd.timeoutMs / 1000).toFixed(1).replace(/\.0$/, '');
  // `timeout` runs the script in its own process group and signals the whole group, so children
  // of a hung command die too. LC_ALL=C keeps the output we parse stable.
  const args = (cmd.args ?? []).map(q).join(' ');
  const bounded = `timeout -k ${KILL_AFTER_S} ${seconds} env LC_ALL=C sh -c ${q(cmd.script)}${args ? ` zdr ${args}` : ''}`;
  return options.sudo ? `sudo -n -- ${bounded}` : bounded;
}

/**
 * `timeout` exits 124 when it had to stop the command, 137 when it then had to SIGKILL it. When the
 * login shell (bash, sudo) hands the process over to `timeout`, its final SIGKILL of the process
 * group takes `timeout` itself down too, and the server reports signal KILL instead of a status.
 */
export function timedOutOnHost(code: number | null, signal: string | null = null): boolean {
  return code === 124 || code === 137 || signal === 'KILL' || signal === 'TERM';
}

/** Properties read from `systemctl show` in inspect. */
export const UNIT_PROPERTIES = [
  'Id',
  'LoadState',
  'ActiveState',
  'SubState',
  'Type',
  'CanReload',
  'ExecReload',
  'TimeoutStopUSec',
  'KillSignal',
  'KillMode',
  'Restart',
  'RestartUSec',
  'StartLimitBurst',
  'StartLimitIntervalUSec',
  'TriggeredBy',
  'MainPID',
  'NRestarts',
] as const;

/**
 * One round trip for the inspect phase: the unit's properties, the main process's name, and what
 * the host offers (curl for readiness checks, the uid for sudo mode).
 */
export function inspectUnit(unit: string, timeoutMs: number): RemoteCommand {
  return {
    title: `inspect ${unit}`,
    timeoutMs,
    script: [
      `systemctl show --property=${UNIT_PROPERTIES.join(',')} -- ${q(unit)}`,
      `pid=$(systemctl show --property=MainPID --value -- ${q(unit)})`,
      `printf 'zdr.comm=%s\\n' "$(cat /proc/$pid/comm 2>/dev/null)"`,
      `printf 'zdr.curl=%s\\n' "$(command -v curl)"`,
      `printf 'zdr.uid=%s\\n' "$(id -u)"`,
    ].join('\n'),
  };
}

/** The user's own command (validate, rollback, dependency check), run as written. */
export function userCommand(title: string, command: string, timeoutMs: number): RemoteCommand {
  return { title, timeoutMs, script: command };
}

/** `systemctl reload|restart|start|stop UNIT`. */
export function systemctl(action: 'reload' | 'restart' | 'start' | 'stop', unit: string, timeoutMs: number): RemoteCommand {
  return { title: `systemctl ${action} ${unit}`, timeoutMs, script: `systemctl ${action} -- ${q(unit)}` };
}

/**
 * `systemctl ACTION UNIT`, timed on the host: prints `zdr.service_ms=N`, how long systemd took
 * (a restart includes the service's graceful stop, which waits for its requests).
 */
export function systemctlTimed(action: 'reload' | 'restart', unit: string, timeoutMs: number): RemoteCommand {
  return {
    title: `systemctl ${action} ${unit}`,
    timeoutMs,
    args: [action, unit],
    script: `t0=$(date +%s%3N); systemctl "$1" -- "$2" || exit $?; printf 'zdr.service_ms=%s\n' $(($(date +%s%3N) - t0))`,
  };
}

/** The host-side duration a timed command printed (0 when it printed none). */
export function serviceMs(stdout: string): number {
  return Number(/^zdr\.service_ms=(\d+)$/m.exec(stdout)?.[1] ?? 0);
}

/**
 * nginx's graceful reload in one round trip: the process picture before, `systemctl reload`, then
 * a short local poll until no old worker is serving (or an `[emerg]` appears, or `effectMs` runs
 * out), then the picture after and any `[emerg]` lines the reload wrote. Lines are prefixed
 * `before.` / `after.`; the caller judges them (strategies/reload.ts). Exit 90: the reload itself
 * failed (its stderr follows).
 */
export function nginxReload(unit: string, errorLog: string, effectMs: number, timeoutMs: number): RemoteCommand {
  const polls = Math.max(1, Math.ceil(effectMs / 50));
  return {
    title: `systemctl reload ${unit}`,
    timeoutMs,
    args: [unit, errorLog, String(polls)],
    script: `unit=$1; log=$2; polls=$3
snap() {
  pid=$(systemctl show --property=MainPID --value -- "$unit")
  printf 'zdr.mainpid=%s\nzdr.active=%s\n' "$pid" "$(systemctl show --property=ActiveState --value -- "$unit")"
  [ "$pid" -gt 0 ] 2>/dev/null && ps --ppid "$pid" -o pid=,args= | sed 's/^ */zdr.child=/'
}
workers() { ps --ppid "$1" -o pid=,args= | awk '/worker process$/ { print $1 }'; }
emerg() { tail -c +$(($1 + 1)) -- "$log" 2>/dev/null | grep -F '[emerg]' | tail -n 5; }
size=$(stat -c %s -- "$log" 2>/dev/null || echo 0)
snap | sed 's/^/before./'
master=$(systemctl show --property=MainPID --value -- "$unit")
old=$(workers "$master")
t0=$(date +%s%3N)
if ! out=$(systemctl reload -- "$unit" 2>&1); then echo "$out" >&2; exit 90; fi
t1=$(date +%s%3N)
i=0
while [ "$i" -lt "$polls" ]; do
  now=$(workers "$master")
  if [ -n "$now" ]; then
    stale=0
    for p in $old; do printf '%s\n' "$now" | grep -qx "$p" && stale=1; done
    [ "$stale" = 0 ] && break
  fi
  [ -n "$(emerg "$size")" ] && break
  i=$((i + 1)); sleep 0.05
done
t2=$(date +%s%3N)
printf 'zdr.reload_ms=%s\nzdr.effect_ms=%s\n' $((t1 - t0)) $((t2 - t1))
snap | sed 's/^/after./'
emerg "$size" | sed 's/^/after.zdr.emerg=/'
true`,
  };
}

/** One HTTP GET from the host itself; prints the status code (000 when no response came). */
export function httpStatus(url: string, requestTimeoutMs: number): RemoteCommand {
  const seconds = Math.max(0.5, requestTimeoutMs / 1000);
  return {
    title: `GET ${url}`,
    timeoutMs: requestTimeoutMs + 2000,
    script: `curl -sS -o /dev/null -w '%{http_code}' --max-time ${seconds} --url ${q(url)}`,
  };
}

/** The unit's live state, read again after a change. */
export function unitState(unit: string, timeoutMs: number): RemoteCommand {
  return {
    title: `read ${unit} state`,
    timeoutMs,
    script: `systemctl show --property=ActiveState,SubState,MainPID,NRestarts,Result -- ${q(unit)}`,
  };
}

/** The unit's journal since a moment, for evidence when a host fails. */
export function journalSince(unit: string, sinceEpochMs: number, lines: number, timeoutMs: number): RemoteCommand {
  return {
    title: `journal of ${unit}`,
    timeoutMs,
    script: `journalctl --no-pager -o short-iso -n ${Math.floor(lines)} -u ${q(unit)} --since @${Math.floor(sinceEpochMs / 1000)}`,
  };
}

/** Commands to HAProxy's runtime API over its admin socket (socat must be installed there). */
export function haproxyApi(socket: string, command: string, timeoutMs: number): RemoteCommand {
  return {
    title: `haproxy: ${command}`,
    timeoutMs,
    script: 'printf \'%s\\n\' "$2" | socat -t 5 stdio "UNIX-CONNECT:$1"',
    args: [socket, command],
  };
}

/**
 * HAProxy's runtime API as a session: socat kept open on the socket, in interactive (`prompt`)
 * mode, so each question costs one exchange on a live channel instead of a login shell. It ends
 * with the SSH connection, or after `maxMs` at the latest.
 */
export function haproxySession(socket: string, maxMs: number): RemoteCommand {
  return { title: 'haproxy runtime API session', timeoutMs: maxMs, script: 'exec socat stdio "UNIX-CONNECT:$1"', args: [socket] };
}

/**
 * Marks the nginx upstream `server` line of one host `down` (or removes the mark), validates the
 * result with `nginx -t` and reloads; on a failed validation the previous file is put back, so the
 * load balancer's configuration is never left broken. Exit 3: no server line matched the host.
 * A line matches when its address is the host (with any port) or it ends in a `# NAME` comment.
 */
export function nginxUpstreamMark(file: string, unit: string, addresses: string[], name: string, down: boolean, timeoutMs: number): RemoteCommand {
  const script = `file=$1; unit=$2; name=$3; mode=$4; shift 4
tmp="$file.zdr-new"; bak="$file.zdr-bak"
awk -v mode="$mode" -v name="$name" -v addrs="$*" '
BEGIN { n = split(addrs, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
{
  line = $0
  if (match(line, /^[ \t]*server[ \t]+[^ \t;]+/)) {
    split(substr(line, RSTART, RLENGTH), f, /[ \t]+/); addr = f[1] == "" ? f[3] : f[2]
    host = addr; sub(/:[0-9]+$/, "", host); gsub(/^\\[|\\]$/, "", host)
    tagged = (index(line, "# " name) > 0 && substr(line, index(line, "# " name) + length(name) + 2, 1) !~ /[A-Za-z0-9_.:-]/)
    if (want[host] || want[addr] || tagged) {
      hits++
      semi = index(line, ";")
      head = substr(line, 1, semi - 1); rest = substr(line, semi)
      gsub(/[ \t]+down([ \t]|$)/, " ", head); sub(/[ \t]+$/, "", head)
      if (mode == "down") head = head " down"
      line = head rest
    }
  }
  print line
}
END { exit hits ? 0 : 3 }' "$file" > "$tmp" || { s=$?; rm -f "$tmp"; exit $s; }
if cmp -s "$file" "$tmp"; then rm -f "$tmp"; exit 0; fi
cp -p "$file" "$bak" && cat "$tmp" > "$file" && rm -f "$tmp"
if ! out=$(nginx -t 2>&1); then cat "$bak" > "$file"; echo "$out" >&2; echo "nginx -t failed; $file restored" >&2; exit 1; fi
systemctl reload -- "$unit"`;
  return { title: `nginx upstream: mark ${name} ${down ? 'down' : 'up'}`, timeoutMs, script, args: [file, unit, name, down ? 'down' : 'up', ...addresses] };
}

/** Which upstream servers of the nginx load balancer are marked down: `server-address down|up` lines. */
export function nginxUpstreamList(file: string, timeoutMs: number): RemoteCommand {
  return {
    title: `nginx upstream: list servers`,
    timeoutMs,
    script: `awk '/^[ \t]*server[ \t]+/ { line = $0; sub(/#.*/, "", line); d = (line ~ /[ \t]down([ \t;]|$)/) ? "down" : "up"; print d, $0 }' "$1"`,
    args: [file],
  };
}

/** nginx stub_status, requested from the host itself (Reading + Writing are requests in flight). */
export function stubStatus(url: string, timeoutMs: number): RemoteCommand {
  return { title: `GET ${url}`, timeoutMs, script: `curl -fsS --max-time 2 --url ${q(url)}` };
}

/** Established TCP connections on a local port, with the kernel's last-send/last-receive times. */
export function establishedOn(port: number, timeoutMs: number): RemoteCommand {
  return {
    title: `connections on port ${port}`,
    timeoutMs,
    script: `ss -Htni state established '( sport = :${Math.floor(port)} )'`,
  };
}

/** The access log's inode and size, and the host's clock (log times are the host's times). */
export function logMark(file: string, timeoutMs: number): RemoteCommand {
  return {
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
    title: `read ${file} before the change`,
    timeoutMs,
    script: `head -c "$2" -- "$1" | tail -c "$3"`,
    args: [file, String(offset), String(maxBytes)],
  };
}

/** `count` sequential GETs of `url` from the host; one status code per line (000: no response). */
export function probeBurst(url: string, count: number, requestTimeoutMs: number): RemoteCommand {
  const urls = Array.from({ length: Math.max(1, Math.floor(count)) }, () => `-o /dev/null --url ${q(url)}`).join(' ');
  return {
    title: `probe ${url}`,
    timeoutMs: count * requestTimeoutMs + 2000,
    script: `curl -s -w '%{http_code}\\n' --max-time ${Math.max(0.5, requestTimeoutMs / 1000)} ${urls}; true`,
  };
}

/** Lock names: letters, digits and `._-` only (they become file names). */
export function lockName(kind: 'host' | 'lb', label: string): string {
  return `${kind}.${label.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

/**
 * A lock on the host (or load balancer), so two rollouts never change it at once. A lock file
 * names its owner, since when, and when it expires; the check-and-take runs under flock(1), and an
 * expired lock (its run crashed) is taken over. Exit 75: held by someone else (its info follows).
 */
export function lockAcquire(name: string, owner: string, ttlSeconds: number, timeoutMs: number): RemoteCommand {
  return {
    title: `lock ${name}`,
    timeoutMs,
    args: [name, owner, String(Math.ceil(ttlSeconds))],
    script: `d=/run/lock; [ -d "$d" ] || d=/tmp
lock="$d/zero-downtime-restart.$1.lock"; now=$(date +%s)
exec 9>>"$d/zero-downtime-restart.guard"; flock -w 10 9 || { echo "cannot take the lock guard" >&2; exit 76; }
if [ -f "$lock" ]; then
  holder=$(sed -n 's/^owner=//p' "$lock"); expires=$(sed -n 's/^expires=//p' "$lock")
  if [ "$holder" != "$2" ] && [ "\${expires:-0}" -ge "$now" ]; then cat "$lock"; exit 75; fi
  [ "$holder" != "$2" ] && { echo "stale=1"; sed 's/^/was./' "$lock"; }
fi
printf 'owner=%s\nsince=%s\nexpires=%s\n' "$2" "$now" $((now + $3)) > "$lock"`,
  };
}

/** Releases a lock this owner holds; someone else's lock is left alone. */
export function lockRelease(name: string, owner: string, timeoutMs: number): RemoteCommand {
  return {
    title: `unlock ${name}`,
    timeoutMs,
    args: [name, owner],
    script: `d=/run/lock; [ -d "$d" ] || d=/tmp
lock="$d/zero-downtime-restart.$1.lock"
exec 9>>"$d/zero-downtime-restart.guard"; flock -w 10 9 || exit 76
[ -f "$lock" ] && [ "$(sed -n 's/^owner=//p' "$lock")" = "$2" ] && rm -f "$lock"; true`,
  };
}
