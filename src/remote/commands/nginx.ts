import type { RemoteCommand } from './exec';

/** The reload proof looks at nginx's workers this often (ms): the new ones come within milliseconds of the signal. */
export const RELOAD_POLL_MS = 10;

/**
 * nginx's graceful reload in one round trip: the process picture before, `systemctl reload`, then
 * a short local poll until no old worker is serving (or an `[emerg]` appears, or `effectMs` runs
 * out), then the picture after and any `[emerg]` lines the reload wrote. Lines are prefixed
 * `before.` / `after.`; the caller judges them (strategies/reload.ts). Exit 90: the reload itself
 * failed (its stderr follows). The poll forks only `ps` and `awk` per look (the error log is read
 * again only when it grew), so it can look every RELOAD_POLL_MS.
 */
export function nginxReload(unit: string, errorLog: string, effectMs: number, timeoutMs: number): RemoteCommand {
  const polls = Math.max(1, Math.ceil(effectMs / RELOAD_POLL_MS));
  return {
    kind: 'nginx-reload',
    title: `systemctl reload ${unit}`,
    timeoutMs,
    args: [unit, errorLog, String(polls)],
    script: `unit=$1; log=$2; polls=$3
snap() {
  props=$(systemctl show --property=MainPID,ActiveState -- "$unit")
  pid=\${props#*MainPID=}; pid=\${pid%%[!0-9]*}
  active=\${props#*ActiveState=}; active=\${active%%[!a-z]*}
  printf '%szdr.mainpid=%s\\n%szdr.active=%s\\n' "$1" "$pid" "$1" "$active"
  [ "\${pid:-0}" -gt 0 ] 2>/dev/null && ps --ppid "$pid" -o pid=,args= | sed "s/^ */$1zdr.child=/"
}
workers() { ps --ppid "$1" -o pid=,args= | awk '/worker process$/ { print $1 }'; }
logsize() { stat -c %s -- "$log" 2>/dev/null || echo 0; }
emerg() { tail -c +$(($1 + 1)) -- "$log" 2>/dev/null | grep -F '[emerg]' | tail -n 5; }
size=$(logsize)
snap before.
master=$pid
old=" $(workers "$master" | tr '\\n' ' ') "
t0=$(date +%s%3N)
if ! out=$(systemctl reload -- "$unit" 2>&1); then echo "$out" >&2; exit 90; fi
t1=$(date +%s%3N)
i=0
while [ "$i" -lt "$polls" ]; do
  now=$(workers "$master")
  if [ -n "$now" ]; then
    stale=0
    for p in $now; do case $old in *" $p "*) stale=1 ;; esac; done
    [ "$stale" = 0 ] && break
  fi
  [ "$(logsize)" != "$size" ] && [ -n "$(emerg "$size")" ] && break
  i=$((i + 1)); sleep ${RELOAD_POLL_MS / 1000}
done
t2=$(date +%s%3N)
printf 'zdr.reload_ms=%s\\nzdr.effect_ms=%s\\n' $((t1 - t0)) $((t2 - t1))
snap after.
emerg "$size" | sed 's/^/after.zdr.emerg=/'
true`,
  };
}

/**
 * Marks the nginx upstream `server` line of one host `down` (or removes the mark), validates the
 * result with `nginx -t` and reloads; on a failed validation the previous file is put back, so the
 * load balancer's configuration is never left broken. Exit 3: no server line matched the host.
 * A line matches when its address is the host (with any port) or it ends in a `# NAME` comment.
 */
export function nginxUpstreamMark(
  file: string,
  unit: string,
  addresses: string[],
  name: string,
  down: boolean,
  timeoutMs: number,
): RemoteCommand {
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
  return {
    kind: 'nginx-upstream-mark',
    title: `nginx upstream: mark ${name} ${down ? 'down' : 'up'}`,
    timeoutMs,
    script,
    args: [file, unit, name, down ? 'down' : 'up', ...addresses],
  };
}

/** Which upstream servers of the nginx load balancer are marked down: `server-address down|up` lines. */
export function nginxUpstreamList(file: string, timeoutMs: number): RemoteCommand {
  return {
    kind: 'nginx-upstream-list',
    title: `nginx upstream: list servers`,
    timeoutMs,
    script: `awk '/^[ \t]*server[ \t]+/ { line = $0; sub(/#.*/, "", line); d = (line ~ /[ \t]down([ \t;]|$)/) ? "down" : "up"; print d, $0 }' "$1"`,
    args: [file],
  };
}
