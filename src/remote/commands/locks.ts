import type { RemoteCommand } from './exec';

/** A rollout lock: `name` is its file's name on the host that keeps it; `label` says what it guards. */
export interface LockId {
  /** Letters, digits and `._-` only. */
  name: string;
  /** For people: `web-2`, `haproxy backend web via root@lb`. */
  label: string;
}

/**
 * The lock on a fleet host itself. Its file name, `host.host`, is the one every version of this
 * action has taken: a new name would let a run of an older version change the host at the same time.
 */
export function hostLock(host: string): LockId {
  return { name: 'host.host', label: host };
}

/** The lock on a load balancer's pool, `pool` naming it (e.g. `haproxy.web`), kept on its SSH host. */
export function poolLock(pool: string, label: string): LockId {
  return { name: `lb.${pool.replace(/[^A-Za-z0-9._-]/g, '_')}`, label };
}

/**
 * A lock on the host (or load balancer), so two rollouts never change it at once. A lock file
 * names its owner, since when, and when it expires; the check-and-take runs under flock(1), and an
 * expired lock (its run crashed) is taken over. Exit 75: held by someone else (its info follows).
 */
export function lockAcquire(name: string, owner: string, ttlSeconds: number, timeoutMs: number): RemoteCommand {
  return {
    kind: 'lock-acquire',
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
    kind: 'lock-release',
    title: `unlock ${name}`,
    timeoutMs,
    args: [name, owner],
    script: `d=/run/lock; [ -d "$d" ] || d=/tmp
lock="$d/zero-downtime-restart.$1.lock"
exec 9>>"$d/zero-downtime-restart.guard"; flock -w 10 9 || exit 76
[ -f "$lock" ] && [ "$(sed -n 's/^owner=//p' "$lock")" = "$2" ] && rm -f "$lock"; true`,
  };
}
