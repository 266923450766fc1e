import { SET_EFFECTIVE_UID, type RemoteCommand } from './exec';

/** A rollout lock: `name` is its file's name on the host that keeps it; `label` says what it guards. */
export interface LockId {
  /** Letters, digits and `._-` only. */
  name: string;
  /** For people: `web-2`, `haproxy backend web via root@lb`. */
  label: string;
}

/** The lock every rollout takes on a fleet host for its turn. */
export function hostLock(host: string): LockId {
  return { name: 'host', label: host };
}

/** The lock on a load balancer's pool, `pool` naming it (e.g. `haproxy.web`), kept on its SSH host. */
export function poolLock(pool: string, label: string): LockId {
  return { name: `lb.${pool.replace(/[^A-Za-z0-9._-]/g, '_')}`, label };
}

/**
 * Where locks live, and the checks before one is used: a directory only its owner can write (root:
 * /run/zero-downtime-restart; a user without sudo: ~/.zero-downtime-restart), never a link, made
 * 0700. A world-writable place such as /run/lock would let any local user plant a lock that blocks
 * every rollout, hold the guard, or point a link at a file the lock write would overwrite. Exit 77
 * with the reason on stderr when the directory cannot be trusted.
 *
 * Few processes: the first host's lock and the load balancer's are on the run's critical path, and
 * on a loaded host each fork costs milliseconds (a `$(…)` ~6 ms in the project's fleet). So the uid
 * is read without a fork, `stat` runs once, and the lock file's fields are read by `field`, a
 * builtin loop (sets `v` to the first `KEY=` line's value, as `sed -n 's/^KEY=//p' | head -n 1` did).
 */
const LOCK_DIR = `${SET_EFFECTIVE_UID}
if [ "$uid" = 0 ]; then d=/run/zero-downtime-restart; else d="\${HOME:?}/.zero-downtime-restart"; fi
refuse() { echo "the lock directory $d $1; refusing to use it" >&2; exit 77; }
[ -L "$d" ] && refuse "is a symbolic link"
[ -d "$d" ] || mkdir -m 0700 -- "$d" 2>/dev/null || [ -d "$d" ] || refuse "cannot be created"
[ -L "$d" ] && refuse "is a symbolic link"
[ -d "$d" ] || refuse "is not a directory"
st=$(stat -c '%u %a' -- "$d"); duid=\${st% *}; dmode=\${st#* }
[ "$duid" = "$uid" ] || refuse "is owned by uid $duid, not $uid"
[ "$dmode" = 700 ] || refuse "has mode $dmode, not 0700 (others could have placed files in it)"
lock="$d/$1.lock"
field() { v=; while IFS= read -r l || [ -n "$l" ]; do case $l in "$1="*) v=\${l#"$1="}; return ;; esac; done <"$lock"; }
exec 9>>"$d/guard"; flock -w 10 9 || { echo "cannot take the lock guard" >&2; exit 76; }`;

/**
 * A lock on the host (or load balancer), so two rollouts never change it at once. A lock file
 * names its owner, since when, and when it expires; the check-and-take runs under flock(1), and an
 * expired lock (its run crashed) is taken over. The holder's own call renews the expiry (the
 * heartbeat), and prints `kept=1` when the lock file still names it: no other run took the lock
 * meanwhile (a taker rewrites the owner, a release removes the file), even if it ran out. The file is written beside the lock with noclobber and renamed over it, so no link
 * is ever followed. Exit 75: held by someone else (its first KiB follows).
 */
export function lockAcquire(name: string, owner: string, ttlSeconds: number, timeoutMs: number): RemoteCommand {
  return {
    kind: 'lock-acquire',
    title: `lock ${name}`,
    timeoutMs,
    args: [name, owner, String(Math.ceil(ttlSeconds))],
    script: `${LOCK_DIR}
now=$(date +%s); since=$now
if [ -f "$lock" ]; then
  field owner; holder=$v; field expires; expires=$v
  case $expires in ''|*[!0-9]*) expires=0 ;; esac
  if [ "$holder" != "$2" ] && [ "$expires" -ge "$now" ]; then head -c 1024 "$lock"; exit 75; fi
  if [ "$holder" = "$2" ]; then field since; since=$v; echo "kept=1"; else echo "stale=1"; head -c 1024 "$lock" | sed 's/^/was./'; fi
fi
if [ -e "$lock.new" ] || [ -L "$lock.new" ]; then rm -f -- "$lock.new"; fi
set -C; printf 'owner=%s\\nsince=%s\\nexpires=%s\\n' "$2" "\${since:-$now}" $((now + $3)) > "$lock.new" && mv -f -- "$lock.new" "$lock"`,
  };
}

/** Releases a lock this owner holds; someone else's lock is left alone. */
export function lockRelease(name: string, owner: string, timeoutMs: number): RemoteCommand {
  return {
    kind: 'lock-release',
    title: `unlock ${name}`,
    timeoutMs,
    args: [name, owner],
    script: `${LOCK_DIR}
[ -f "$lock" ] || exit 0
field owner; if [ "$v" = "$2" ]; then rm -f -- "$lock"; fi`,
  };
}
