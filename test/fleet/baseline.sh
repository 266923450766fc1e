#!/usr/bin/env bash
# baseline.sh — reproduce TESTBED.md's baseline on the running fleet (fleet.sh up first).
# wrk -t2 -c64 -d20s --timeout 5s through HAProxy, one action on web-1 at t = 5 s, per scenario.
# Usage: baseline.sh [SCENARIO...]   (default: all)
#   none | restart | drain-restart | reload | sock-restart
set -euo pipefail
HERE=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
F=$HERE/fleet.sh
STATE=/run/zdr-fleet
SOCK=$STATE/haproxy.sock
DURATION=${DURATION:-20}

hap() { echo "$1" | socat -t 5 stdio "$SOCK"; }
# status / scur of one server: "STATUS SCUR"
srv() { hap "show stat" | awk -F, -v b="$1" -v s="$2" '$1 == b && $2 == s { print $18, $5 }'; }

drain_restart() { # BACKEND UNIT
  local b=$1 unit=$2 t0=$SECONDS
  hap "set server $b/web-1 state drain" >/dev/null
  until [[ $(srv "$b" web-1 | cut -d' ' -f2) == 0 ]]; do sleep 0.05; done
  echo "  drained (scur 0) after $((SECONDS - t0)) s" >&2
  "$F" exec web-1 -- systemctl restart "$unit"
  # ready = two consecutive 200s on the host, then HAProxy's own checks see it UP (DRAIN)
  local ok=0
  while ((ok < 2)); do
    if [[ $("$F" exec web-1 -- curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/healthz) == 200 ]]; then ok=$((ok + 1)); else ok=0; fi
    sleep 0.2
  done
  until [[ $(srv "$b" web-1 | cut -d' ' -f1) == DRAIN ]]; do sleep 0.1; done
  hap "set server $b/web-1 state ready" >/dev/null
  echo "  back in service after $((SECONDS - t0)) s" >&2
}

run() { # NAME URL ACTION...
  local name=$1 url=$2 out
  shift 2
  "$F" reset >/dev/null 2>&1
  out=$(mktemp)
  wrk -t2 -c64 -d"${DURATION}s" --timeout 5s "$url" >"$out" &
  local wpid=$!
  sleep 5
  if (($#)); then "$@"; fi
  wait "$wpid"
  local req non2xx sock
  req=$(awk '/requests in/ { print $1 }' "$out")
  non2xx=$(awk -F': ' '/Non-2xx/ { print $2 }' "$out")
  sock=$(grep 'Socket errors' "$out" | sed 's/^ *//' || true)
  printf '%-14s requests %-6s non-2xx %-4s %s\n' "$name" "$req" "${non2xx:-0}" "${sock:-socket errors 0}"
  rm -f "$out"
}

scenarios=("$@")
((${#scenarios[@]})) || scenarios=(none restart drain-restart reload sock-restart)
for s in "${scenarios[@]}"; do
  case $s in
    none) run none http://127.0.0.1:8090/ ;;
    restart) run restart http://127.0.0.1:8090/ "$F" exec web-1 -- systemctl restart app ;;
    drain-restart) run drain-restart http://127.0.0.1:8090/ drain_restart web app ;;
    reload) run reload http://127.0.0.1:8090/ "$F" exec web-1 -- sh -c 'nginx -t -q && systemctl reload nginx' ;;
    sock-restart) run sock-restart http://127.0.0.1:8091/ "$F" exec web-1 -- systemctl restart app-sock ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
  esac
done
