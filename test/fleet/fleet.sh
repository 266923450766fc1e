#!/usr/bin/env bash
# fleet.sh — the real-fleet testbed of zero-downtime-restart.
#
# A "fleet" of Linux hosts on this one machine: each host is a systemd-nspawn container booting real
# systemd (so systemctl reload/restart/show, unit drop-ins and journald behave like production), in
# its own network namespace on a bridge, with sshd (key-only), nginx and a small Python app behind
# it. On the machine: HAProxy in front of the hosts (runtime API socket), an sshd on 127.0.0.1:2222
# so the product reaches the LB over SSH like in production, and optionally a container `lb-1`
# running nginx as a load balancer (for the product's `lb: nginx` adapter).
#
# Usage: fleet.sh up [--hosts N] [--no-nginx-lb] [--fresh]
#        fleet.sh down | reset | status | deps
#        fleet.sh bastion-up | bastion-down   (opt-in: jump hosts in front of a private SSH network)
#        fleet.sh exec HOST -- CMD...
#        fleet.sh fault HOST KNOB [ARGS...]
#        fleet.sh wrk URL SECONDS [CONNS]
# See README.md next to this file. Measured facts and pitfalls: /work/shared/TESTBED.md.
set -euo pipefail

STATE=/run/zdr-fleet                 # everything of a running fleet (removed by `down`)
CACHE=/var/cache/zdr-fleet           # image cache, survives `down`
BRIDGE=zdr0
NET=10.77.0                          # hosts are $NET.(10+i), lb-1 is $NET.5, the bridge $NET.1
LB_ADDR=$NET.5
HAPROXY_PORT=8090
HAPROXY_SOCK_PORT=8091
HAPROXY_PROM_PORT=8092                # HAProxy's built-in Prometheus exporter (/metrics)
LB_SSH_PORT=2222
SUITE=bookworm
SCRIPT=$(readlink -f "${BASH_SOURCE[0]}")
SYSTEMD_CG=/sys/fs/cgroup/systemd    # hybrid cgroups: named v1 hierarchy ...
UNIFIED_CG=/sys/fs/cgroup/unified    # ... plus the v2 one
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
umask 022

log() { printf '[fleet] %s\n' "$*" >&2; }
die() { printf '[fleet] ERROR: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

host_name() { echo "web-$1"; }
host_addr() { echo "$NET.$((10 + $1))"; }
# Every name we create on the machine starts with "zdr" so a cleanup can find exactly ours.
machine_of() { echo "zdr-$1"; }         # machine name == netns name == cgroup dir name
veth_of() { echo "zdrv-$1"; }           # host end of the veth; <= 15 chars for web-99
peer_of() { echo "zdrp-$1"; }           # container end before it is renamed to eth0

# ----------------------------------------------------------------------------------------------
# Packages on the machine
# ----------------------------------------------------------------------------------------------

# Install whatever is missing. policy-rc.d on such machines exits 101, so installing haproxy or
# openssh-server starts nothing: we start our own instances explicitly (TESTBED pitfall 4).
ensure_packages() {
  local -A need=(
    [debootstrap]=debootstrap [systemd-nspawn]=systemd-container [haproxy]=haproxy [wrk]=wrk
    [socat]=socat [sshd]=openssh-server [ssh]=openssh-client [ssh-keygen]=openssh-client
    [zstd]=zstd [nsenter]=util-linux [ip]=iproute2 [curl]=curl [prometheus]=prometheus
  )
  local cmd missing=()
  for cmd in "${!need[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  log "installing ${missing[*]}"
  # Another apt may be running (e.g. a background install): wait for its lock instead of failing.
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}" >&2 ||
    { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}" >&2; }
}

# The Debian mirror comes from apt's own configuration on the machine; never hard-code a host.
apt_mirror() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    # deb822: the first stanza of type deb whose Suites has a plain suite (not -security/-updates).
    uri=$(awk 'BEGIN { RS = ""; FS = "\n" }
      { u = ""; s = ""; t = ""
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/)   { u = $i; sub(/^URIs:[ \t]*/, "", u) }
          if ($i ~ /^Suites:/) { s = $i; sub(/^Suites:[ \t]*/, "", s) }
          if ($i ~ /^Types:/)  { t = $i }
        }
        n = split(s, a, /[ \t]+/)
        for (j = 1; j <= n; j++) if (a[j] !~ /-/ && a[j] != "" && t ~ /deb( |$)/ && u != "") { split(u, b, /[ \t]+/); print b[1]; exit }
      }' "$f")
    [[ -n $uri ]] && { echo "$uri"; return 0; }
  done
  # one-line format: "deb [options] URI SUITE COMPONENTS"
  uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    sed -e 's/\[[^]]*\]//' | awk '$1 == "deb" && $3 !~ /-/ { print $2; exit }')
  [[ -n $uri ]] || die "no Debian mirror found in apt's configuration (/etc/apt/sources.list*)"
  echo "$uri"
}

# ----------------------------------------------------------------------------------------------
# Image. The text between the two markers is hashed: change anything in it and the next `up`
# rebuilds the image (~2 min); everything else (app, units, configs) is laid over it per `up`.
# ==== IMAGE BUILD BEGIN ====
IMAGE_PACKAGES=systemd,systemd-sysv,dbus,openssh-server,nginx,python3,iproute2,curl,procps,ca-certificates,sudo

build_image_rootfs() {
  local dir=$1 mirror
  mirror=$(apt_mirror)
  log "debootstrap $SUITE from $mirror (takes ~2 min, cached afterwards)"
  debootstrap --variant=minbase --include="$IMAGE_PACKAGES" "$SUITE" "$dir" "$mirror" \
    >"$CACHE/debootstrap.log" 2>&1 || { tail -20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed"; }
  # A non-root deploy user with passwordless sudo (the product's `sudo` mode is tested with it).
  # '*' (not '!') as password: no password login, but not "locked" for sshd's key auth.
  chroot "$dir" useradd --create-home --shell /bin/bash --password '*' deploy
  echo 'deploy ALL=(ALL) NOPASSWD: ALL' >"$dir/etc/sudoers.d/deploy"
  chmod 0440 "$dir/etc/sudoers.d/deploy"
  # Host keys and the machine-id are per host (written at `up`); none may come from the image.
  rm -f "$dir"/etc/ssh/ssh_host_*
  : >"$dir/etc/machine-id"
  # Boot speed and quiet containers: nothing in a test host needs these timers.
  rm -f "$dir"/etc/systemd/system/timers.target.wants/*.timer
  chroot "$dir" apt-get clean
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin
}
# ==== IMAGE BUILD END ====

image_hash() {
  sed -n '/^# ==== IMAGE BUILD BEGIN ====$/,/^# ==== IMAGE BUILD END ====$/p' "$SCRIPT" |
    sha256sum | cut -c1-16
}

# Sets ROOTFS to an unpacked, complete image: the shared read-only lower layer of every host.
ensure_image() {
  local hash tarball tmp t0
  hash=$(image_hash)
  tarball=$CACHE/image-$hash.tar.zst
  ROOTFS=$CACHE/rootfs-$hash
  mkdir -p "$CACHE"
  if [[ -f $ROOTFS/.zdr-complete ]]; then
    log "image cached ($hash)"
    return 0
  fi
  # Only one builder at a time; another `up` waits here for the same image.
  exec 8>"$CACHE/.build.lock"
  flock 8
  if [[ -f $ROOTFS/.zdr-complete ]]; then exec 8>&-; log "image cached ($hash)"; return 0; fi
  rm -rf "$ROOTFS" "$ROOTFS.tmp"
  t0=$(now)
  if [[ -f $tarball ]]; then
    mkdir -p "$ROOTFS.tmp"
    tar -C "$ROOTFS.tmp" --zstd --numeric-owner --xattrs --xattrs-include='*' -xf "$tarball"
    log "image unpacked from $tarball in $(since "$t0")"
  else
    tmp=$ROOTFS.tmp
    build_image_rootfs "$tmp"
    tar -C "$tmp" --zstd --numeric-owner --xattrs --xattrs-include='*' -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
    log "image built and packed in $(since "$t0") ($(du -h "$tarball" | cut -f1))"
  fi
  touch "$ROOTFS.tmp/.zdr-complete"
  mv "$ROOTFS.tmp" "$ROOTFS"
  # Old images of earlier versions of this script: drop them (ours by name only).
  find "$CACHE" -maxdepth 1 \( -name 'rootfs-*' -o -name 'image-*.tar.zst' \) \
    ! -name "rootfs-$hash" ! -name "image-$hash.tar.zst" -exec rm -rf {} +
  exec 8>&-
}

# ----------------------------------------------------------------------------------------------
# Layers: files common to all web hosts (or to lb-1), built once per `up` and stacked between the
# image and each host's upper dir. Per-`up` so that the app or configs can change without a
# 2-minute image rebuild.
# ----------------------------------------------------------------------------------------------

# mkdir_like ROOT REL: create REL under ROOT, each new directory with the owner and mode it has in
# the image. Needed because overlayfs shows a directory with the attributes of its topmost layer:
# a root-owned /home/deploy in a layer would break sshd's StrictModes for deploy.
mkdir_like() {
  local root=$1 rel=$2 p="" part
  local -a parts
  IFS=/ read -ra parts <<<"$rel"
  for part in "${parts[@]}"; do
    [[ -z $part || $part == . ]] && continue
    p=$p/$part
    if [[ ! -d $root$p ]]; then
      mkdir "$root$p"
      if [[ -d $ROOTFS$p ]]; then
        chown --reference="$ROOTFS$p" "$root$p"
        chmod --reference="$ROOTFS$p" "$root$p"
      fi
    fi
  done
}

# put ROOT PATH MODE [OWNER] < content
put() {
  local root=$1 rel=$2 mode=$3 owner=${4:-0:0}
  mkdir_like "$root" "$(dirname "$rel")"
  cat >"$root$rel"
  chmod "$mode" "$root$rel"
  chown "$owner" "$root$rel"
}

# The test app: ~200-500 ms per request on /, instant /healthz, /sleep?ms=N, graceful SIGTERM,
# fault modes read at start from $APP_MODE_FILE. Socket-activated when LISTEN_FDS is set.
write_app_py() {
  cat <<'EOF'
#!/usr/bin/python3
"""zdr fleet test app.

GET /         200-500 ms of "work", then 200 (or 500 in mode `500`) with the host name in the body
GET /healthz  200 when ready, else 503 (modes `slow-ready SECONDS`, `never-ready`)
GET /sleep?ms=N  holds the request N ms (keeps a drain from completing)
Modes are read once at start from $APP_MODE_FILE, one per line; `fail-start` exits 1 at once.
SIGTERM: stop accepting, finish in-flight requests, exit 0.
With LISTEN_FDS (systemd socket activation) the listening socket is fd 3 and is never closed by
us: connections wait in the socket unit's backlog while the service restarts.
"""
import os, random, signal, socket, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

NAME = os.environ.get("APP_NAME", "app")
MODE_FILE = os.environ.get("APP_MODE_FILE", "/etc/app/mode")
STATE_FILE = os.environ.get("APP_STATE_FILE", "/run/zdr/%s.mode" % NAME)
PORT = int(os.environ.get("APP_PORT", "8080"))
HOST = socket.gethostname()

modes = {}
try:
    with open(MODE_FILE) as f:
        for line in f:
            parts = line.split()
            if parts:
                modes[parts[0]] = parts[1:]
except FileNotFoundError:
    pass

os.makedirs(os.path.dirname(STATE_FILE), exist_ok=True)
with open(STATE_FILE, "w") as f:
    f.write(" ".join(sorted(modes)) or "none")

if "fail-start" in modes:
    print("fault mode fail-start: exiting 1", file=sys.stderr, flush=True)
    sys.exit(1)

started = time.monotonic()
ready_at = started + float(modes["slow-ready"][0]) if "slow-ready" in modes else started
never_ready = "never-ready" in modes
error_rate = 0.9 if "500" in modes else 0.0


class Handler(BaseHTTPRequestHandler):
    server_version = "zdr-app/1"

    def log_message(self, *args):
        pass

    def reply(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/healthz":
            ready = not never_ready and time.monotonic() >= ready_at
            return self.reply(200 if ready else 503, ("ok " if ready else "not ready ") + HOST + "\n")
        if url.path == "/sleep":
            ms = int(parse_qs(url.query).get("ms", ["1000"])[0])
            time.sleep(ms / 1000.0)
            return self.reply(200, "slept %d ms on %s\n" % (ms, HOST))
        time.sleep(random.uniform(0.2, 0.5))
        if random.random() < error_rate:
            return self.reply(500, "fault app-500 on %s\n" % HOST)
        self.reply(200, "hello from %s (%s pid %d)\n" % (HOST, NAME, os.getpid()))


class Server(ThreadingHTTPServer):
    daemon_threads = False      # in-flight requests are joined at shutdown
    block_on_close = True
    request_queue_size = 256    # the default 5 drops SYNs under 64 connections
    allow_reuse_address = True


inherited = os.environ.get("LISTEN_FDS") and os.environ.get("LISTEN_PID") == str(os.getpid())
if inherited:
    srv = Server(("0.0.0.0", 0), Handler, bind_and_activate=False)
    srv.socket.close()
    srv.socket = socket.socket(fileno=3)
    srv.server_address = srv.socket.getsockname()
else:
    srv = Server(("127.0.0.1", PORT), Handler)


def on_term(signum, frame):
    # shutdown() blocks until serve_forever returns, so it must not run in the serving thread.
    threading.Thread(target=srv.shutdown).start()


signal.signal(signal.SIGTERM, on_term)
signal.signal(signal.SIGINT, on_term)
srv.serve_forever(poll_interval=0.1)
if not inherited:
    srv.socket.close()          # stop accepting now; in-flight requests still finish below
srv.server_close()              # joins the request threads
sys.exit(0)
EOF
}

# nginx site of a web host. $1: good | 500 | 444, $2: the share of `/` that fails (default 90%).
# The fault variants are *valid* configs that answer 500 / close without a response for that share
# of `/` (healthz untouched); they take effect only when nginx next reloads or restarts.
web_site_conf() {
  local variant=$1 share=${2:-90%} fault_map="" fault_if=""
  if [[ $variant != good ]]; then
    fault_map="split_clients \"\${request_id}\" \$zdr_fault { $share 1; * 0; }"
    fault_if="if (\$zdr_fault) { return $variant; }"
  fi
  cat <<EOF
# zdr fleet web host ($variant). Good copy: /etc/nginx/zdr/good.conf
$fault_map
upstream zdr_app { server 127.0.0.1:8080; }
server {
    listen 80 default_server;
    server_name _;
    access_log /var/log/nginx/access.log combined;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$host;
    location / {
        $fault_if
        proxy_pass http://zdr_app;
        proxy_read_timeout 130s;
    }
    # Health checks are not logged: the product's access-log check counts real traffic only.
    location = /healthz {
        access_log off;
        proxy_pass http://zdr_app;
        proxy_connect_timeout 1s;
        proxy_read_timeout 2s;
    }
    location = /nginx_status {
        stub_status;
        access_log off;
        allow 127.0.0.1;
        deny all;
    }
}
EOF
}

lb_site_conf() {
  cat <<'EOF'
# zdr fleet nginx load balancer. Upstream servers: /etc/nginx/conf.d/upstream.conf
server {
    listen 80 default_server;
    server_name _;
    access_log /var/log/nginx/access.log combined;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    location / {
        proxy_pass http://web;
        proxy_read_timeout 130s;
        proxy_next_upstream error timeout;
    }
    location = /lb-healthz { access_log off; return 200 "ok lb\n"; }
    location = /nginx_status {
        stub_status;
        access_log off;
        allow 127.0.0.1;
        deny all;
    }
}
EOF
}

upstream_conf() {
  local i
  echo "# zdr fleet: one line per web host; the trailing comment names it"
  echo "upstream web {"
  for ((i = 1; i <= NHOSTS; i++)); do
    printf '    server %s:80; # %s\n' "$(host_addr "$i")" "$(host_name "$i")"
  done
  echo "}"
}

# In-container helper: faults and reset run inside the host (via `fleet.sh exec`), so they use
# the host's own systemctl and files exactly like an operator would.
write_zdr_tool() {
  cat <<'EOF'
#!/bin/bash
# zdr — fault knobs and baseline reset inside a zdr fleet host. Installed by test/fleet/fleet.sh.
set -euo pipefail
SHARE=/usr/local/share/zdr
ROLE=$(cat /etc/zdr/role)
SITE=/etc/nginx/sites-enabled/default

dropin() { # UNIT KNOB LINES...
  local unit=$1 knob=$2; shift 2
  mkdir -p "/etc/systemd/system/$unit.d"
  printf '%s\n' "[Service]" "$@" >"/etc/systemd/system/$unit.d/zdr-fault-$knob.conf"
  systemctl daemon-reload
}

# app knobs take an optional trailing --sock to target app-sock.service instead of app.service
app_target() { if [[ ${1:-} == --sock ]]; then echo app-sock; else echo app; fi; }
mode_file() { if [[ $(app_target "$@") == app-sock ]]; then echo /etc/app/sock-mode; else echo /etc/app/mode; fi; }

fault() {
  local knob=${1:?knob}; shift
  case $knob in
    break-config)   printf '\n# zdr fault break-config\nzdr_broken_directive on;\n' >>"$SITE" ;;
    stage-500)      install -m 0644 "$SHARE/stage-500.conf" "$SITE" ;;
    stage-500-10)   install -m 0644 "$SHARE/stage-500-10.conf" "$SITE" ;;
    stage-reset)    install -m 0644 "$SHARE/stage-444.conf" "$SITE" ;;
    app-500)        echo 500 >>"$(mode_file "$@")" ;;
    app-slow-ready) local s=${1:?app-slow-ready SECONDS}; shift; echo "slow-ready $s" >>"$(mode_file "$@")" ;;
    app-never-ready) echo never-ready >>"$(mode_file "$@")" ;;
    app-fail-start) echo fail-start >>"$(mode_file "$@")" ;;
    stop-sshd)      systemctl stop ssh.service ;;
    change-host-key)
      rm -f /etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key.pub
      ssh-keygen -q -t ed25519 -N '' -C "changed@$(hostname)" -f /etc/ssh/ssh_host_ed25519_key
      systemctl restart ssh.service ;;
    no-reload)      dropin nginx.service no-reload "ExecReload=" ;;
    short-stop-timeout) dropin "$(app_target "$@").service" short-stop-timeout "TimeoutStopSec=1s" ;;
    restart-storm)  dropin "$(app_target "$@").service" restart-storm "Restart=always" "RestartSec=0" ;;
    *) echo "zdr: unknown fault knob '$knob'" >&2; exit 2 ;;
  esac
}

wait_http() { # URL TIMEOUT_S: until 200
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    [[ $(curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" || true) == 200 ]] && return 0
    sleep 0.1
  done
  echo "zdr: $1 not 200 after $2 s" >&2; return 1
}

reset() {
  # configs
  if [[ $ROLE == web ]]; then
    install -m 0644 "$SHARE/good.conf" /etc/nginx/zdr/good.conf
    install -m 0644 "$SHARE/good.conf" "$SITE"
    : >/etc/app/mode; : >/etc/app/sock-mode
  else
    install -m 0644 "$SHARE/lb-site.conf" "$SITE"
    install -m 0644 "$SHARE/upstream.conf" /etc/nginx/conf.d/upstream.conf
  fi
  # units back to their defaults: drop every drop-in a knob (or a test) left
  rm -f /etc/systemd/system/*.d/zdr-fault-*.conf /run/systemd/system/*.d/zdr-fault-*.conf
  find /etc/systemd/system /run/systemd/system -mindepth 1 -maxdepth 1 -type d -name '*.d' -empty -delete 2>/dev/null || true
  systemctl daemon-reload
  systemctl reset-failed
  # sshd with the ORIGINAL host key
  if ! cmp -s /etc/zdr/orig/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key; then
    install -m 0600 /etc/zdr/orig/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key
    install -m 0644 /etc/zdr/orig/ssh_host_ed25519_key.pub /etc/ssh/ssh_host_ed25519_key.pub
    systemctl restart ssh.service
  elif ! systemctl -q is-active ssh.service; then
    systemctl restart ssh.service
  fi
  # apps: restart only when not running in the default mode (a restart costs a health flap)
  if [[ $ROLE == web ]]; then
    local app
    for app in app app-sock; do
      if ! systemctl -q is-active "$app.service" || [[ $(cat "/run/zdr/$app.mode" 2>/dev/null) != none ]]; then
        systemctl restart "$app.service"
      fi
    done
    systemctl -q is-active app-sock.socket || systemctl restart app-sock.socket
  fi
  # nginx: always reload (cheap, graceful) so the running config is the good one
  if systemctl -q is-active nginx.service; then
    nginx -t -q && systemctl reload nginx.service
  else
    systemctl restart nginx.service
  fi
  if [[ $ROLE == web ]]; then
    wait_http http://127.0.0.1/healthz 30
    wait_http http://127.0.0.1:8081/healthz 30
  else
    wait_http http://127.0.0.1/lb-healthz 30
  fi
}

case ${1:-} in
  fault) shift; fault "$@" ;;
  reset) reset ;;
  *) echo "usage: zdr fault KNOB [ARGS] | zdr reset" >&2; exit 2 ;;
esac
EOF
}

# build_layer ROLE DIR
build_layer() {
  local role=$1 dir=$2 deploy_ids
  rm -rf "$dir"
  mkdir -p "$dir"
  chmod --reference="$ROOTFS" "$dir"
  deploy_ids=$(awk -F: '$1 == "deploy" { print $3 ":" $4 }' "$ROOTFS/etc/passwd")

  # --- common: role, ssh access, journald, the zdr tool
  echo "$role" | put "$dir" /etc/zdr/role 0644
  put "$dir" /etc/ssh/sshd_config.d/zdr.conf 0644 <<'EOF'
# zdr fleet: key-only sshd with exactly one host key (ed25519, per host)
HostKey /etc/ssh/ssh_host_ed25519_key
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UseDNS no
EOF
  put "$dir" /root/.ssh/authorized_keys 0600 <"$STATE/id_ed25519.pub"
  put "$dir" /home/deploy/.ssh/authorized_keys 0600 "$deploy_ids" <"$STATE/id_ed25519.pub"
  chown "$deploy_ids" "$dir/home/deploy/.ssh"
  chmod 0700 "$dir/home/deploy/.ssh" "$dir/root/.ssh"
  # Volatile journal: no disk writes into the overlay, faster boot.
  echo LANG=C.UTF-8 | put "$dir" /etc/default/locale 0644
  printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=16M\n' | put "$dir" /etc/systemd/journald.conf.d/zdr.conf 0644
  write_zdr_tool | put "$dir" /usr/local/sbin/zdr 0755

  if [[ $role == web ]]; then
    write_app_py | put "$dir" /usr/local/lib/zdr/app.py 0755
    : | put "$dir" /etc/app/mode 0644
    : | put "$dir" /etc/app/sock-mode 0644
    put "$dir" /etc/systemd/system/app.service 0644 <<'EOF'
[Unit]
Description=zdr fleet test app (127.0.0.1:8080, behind nginx)
After=network.target

[Service]
Type=simple
Environment=APP_NAME=app APP_PORT=8080 APP_MODE_FILE=/etc/app/mode
ExecStart=/usr/bin/python3 /usr/local/lib/zdr/app.py

[Install]
WantedBy=multi-user.target
EOF
    put "$dir" /etc/systemd/system/app-sock.socket 0644 <<'EOF'
[Unit]
Description=zdr fleet test app, socket-activated (Pattern D)

[Socket]
ListenStream=0.0.0.0:8081
Backlog=1024

[Install]
WantedBy=sockets.target
EOF
    put "$dir" /etc/systemd/system/app-sock.service 0644 <<'EOF'
[Unit]
Description=zdr fleet test app on the app-sock.socket listener
Requires=app-sock.socket
After=app-sock.socket

[Service]
Type=simple
Environment=APP_NAME=app-sock APP_MODE_FILE=/etc/app/sock-mode
ExecStart=/usr/bin/python3 /usr/local/lib/zdr/app.py

[Install]
WantedBy=multi-user.target
EOF
    mkdir_like "$dir" /etc/systemd/system/multi-user.target.wants
    mkdir_like "$dir" /etc/systemd/system/sockets.target.wants
    ln -s /etc/systemd/system/app.service "$dir/etc/systemd/system/multi-user.target.wants/app.service"
    ln -s /etc/systemd/system/app-sock.service "$dir/etc/systemd/system/multi-user.target.wants/app-sock.service"
    ln -s /etc/systemd/system/app-sock.socket "$dir/etc/systemd/system/sockets.target.wants/app-sock.socket"
    web_site_conf good | put "$dir" /etc/nginx/sites-enabled/default 0644
    web_site_conf good | put "$dir" /etc/nginx/zdr/good.conf 0644
    web_site_conf good | put "$dir" /usr/local/share/zdr/good.conf 0644
    web_site_conf 500 | put "$dir" /usr/local/share/zdr/stage-500.conf 0644
    web_site_conf 500 10% | put "$dir" /usr/local/share/zdr/stage-500-10.conf 0644
    web_site_conf 444 | put "$dir" /usr/local/share/zdr/stage-444.conf 0644
  else
    lb_site_conf | put "$dir" /etc/nginx/sites-enabled/default 0644
    lb_site_conf | put "$dir" /usr/local/share/zdr/lb-site.conf 0644
    upstream_conf | put "$dir" /etc/nginx/conf.d/upstream.conf 0644
    upstream_conf | put "$dir" /usr/local/share/zdr/upstream.conf 0644
  fi
}

# ----------------------------------------------------------------------------------------------
# Network: bridge on the machine, one netns + veth per container
# ----------------------------------------------------------------------------------------------

net_bridge_up() {
  # `ip netns add` turns /run/netns into a mount point the first time; remember if that was us,
  # so `down` can take it away again (only when no netns at all is left).
  mountpoint -q /run/netns || touch "$STATE/created-run-netns"
  ip link add "$BRIDGE" type bridge
  ip link set "$BRIDGE" type bridge stp_state 0 forward_delay 0
  ip addr add "$NET.1/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
}

# net_host_up NAME ADDRESS
net_host_up() {
  local name=$1 addr=$2 ns veth peer
  ns=$(machine_of "$name"); veth=$(veth_of "$name"); peer=$(peer_of "$name")
  ip netns add "$ns"
  ip link add "$veth" type veth peer name "$peer" netns "$ns"
  ip link set "$veth" master "$BRIDGE" up
  ip -n "$ns" link set "$peer" name eth0
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
  ip -n "$ns" route add default via "$NET.1"
}

# ----------------------------------------------------------------------------------------------
# Containers
# ----------------------------------------------------------------------------------------------

# prepare_root NAME ROLE ADDRESS: overlay (image + role layer + per-host upper) and per-host files
prepare_root() {
  local name=$1 role=$2 addr=$3 d
  d=$STATE/hosts/$name
  mkdir -p "$d/upper" "$d/work" "$d/root"
  mount -t overlay "zdr-$name" -o "lowerdir=$STATE/layer-$role:$ROOTFS,upperdir=$d/upper,workdir=$d/work" "$d/root"
  # Own machine-id, hostname, host key (kept in STATE and in /etc/zdr/orig for `reset`).
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$d/root/etc/machine-id"
  echo >>"$d/root/etc/machine-id"
  echo "$name" >"$d/root/etc/hostname"
  printf '127.0.0.1 localhost\n127.0.1.1 %s\n::1 localhost ip6-localhost ip6-loopback\n%s %s\n' \
    "$name" "$addr" "$name" >"$d/root/etc/hosts"
  ssh-keygen -q -t ed25519 -N '' -C "root@$name" -f "$d/ssh_host_ed25519_key"
  install -m 0600 "$d/ssh_host_ed25519_key" "$d/root/etc/ssh/ssh_host_ed25519_key"
  install -m 0644 "$d/ssh_host_ed25519_key.pub" "$d/root/etc/ssh/ssh_host_ed25519_key.pub"
  mkdir -p "$d/root/etc/zdr/orig"
  install -m 0600 "$d/ssh_host_ed25519_key" "$d/root/etc/zdr/orig/ssh_host_ed25519_key"
  install -m 0644 "$d/ssh_host_ed25519_key.pub" "$d/root/etc/zdr/orig/ssh_host_ed25519_key.pub"
}

# launch_container NAME: start systemd-nspawn booting the host, in the background.
launch_container() {
  local name=$1 machine d
  machine=$(machine_of "$name"); d=$STATE/hosts/$name
  # TESTBED pitfall 2: every container must start from its OWN cgroup, or the containers' systemd
  # cannot kill units (EIO) and leaves orphaned nginx workers. The launcher moves itself into a
  # fresh cgroup named after the machine, then execs nspawn (--keep-unit keeps that cgroup).
  # TESTBED pitfall 1: no system bus here, hence --register=no --keep-unit.
  # fd 9 (our lock) is closed so the container does not hold it after we exit.
  # The launcher's script is single-quoted on purpose: it reads its values as "$1".. (SC2016), and
  # the cgroup directories are one word each, one argument per directory (SC2046).
  # shellcheck disable=SC2016,SC2046
  setsid bash -c '
    set -e
    pidfile=$1 root=$2 machine=$3 name=$4 netns=$5
    shift 5
    echo $$ >"$pidfile"
    for cg in "$@"; do mkdir -p "$cg"; echo $$ >"$cg/cgroup.procs"; done
    exec systemd-nspawn -q -D "$root" -b -M "$machine" --hostname="$name" \
      --register=no --keep-unit --link-journal=no --console=passive \
      --network-namespace-path="/run/netns/$netns"
  ' zdr-launch "$d/nspawn.pid" "$d/root" "$machine" "$name" "$machine" $(cgroup_dirs "$machine") \
    </dev/null >"$d/console.log" 2>&1 9<&- &
}

# The cgroup dirs of a machine: named systemd v1 + unified v2 on hybrid machines, or the one v2
# tree on pure cgroup2 machines.
cgroup_dirs() {
  if [[ -d $SYSTEMD_CG ]]; then
    echo "$SYSTEMD_CG/$1"
    [[ -d $UNIFIED_CG ]] && echo "$UNIFIED_CG/$1"
  else
    echo "/sys/fs/cgroup/$1"
  fi
  return 0
}

# The container's PID 1 as seen from the machine: the process in the machine's cgroup tree that
# is PID 1 of its own pid namespace.
find_leader() {
  local machine=$1 cg pid
  cg=$(cgroup_dirs "$machine" | head -1)
  [[ -d $cg ]] || return 1
  while read -r pid; do
    [[ -r /proc/$pid/status ]] || continue
    if awk '/^NSpid:/ { exit !(NF == 3 && $3 == 1) }' "/proc/$pid/status" 2>/dev/null; then
      echo "$pid"; return 0
    fi
  done < <(find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null)
  return 1
}

# wait_booted NAME TIMEOUT_S: leader found, `systemctl is-system-running --wait` done, sshd up.
wait_booted() {
  local name=$1 timeout=$2 machine d t0 leader="" state="" deadline
  local -a urls
  machine=$(machine_of "$name"); d=$STATE/hosts/$name
  t0=$(now); deadline=$((SECONDS + timeout))
  while [[ -z $leader ]]; do
    leader=$(find_leader "$machine") || leader=""
    if [[ -z $leader ]]; then
      ((SECONDS < deadline)) || { tail -20 "$d/console.log" >&2; die "$name: no container init"; }
      kill -0 "$(cat "$d/nspawn.pid" 2>/dev/null || echo 0)" 2>/dev/null ||
        { tail -20 "$d/console.log" >&2; die "$name: systemd-nspawn exited"; }
      sleep 0.05
    fi
  done
  echo "$leader" >"$d/leader.pid"
  # Before systemd opens its private socket, systemctl fails at once: retry until it answers.
  while ((SECONDS < deadline)); do
    state=$(timeout "$timeout" nsenter -t "$leader" -a systemctl is-system-running --wait 2>/dev/null) || true
    [[ $state == running || $state == degraded ]] && break
    sleep 0.1
  done
  if [[ $state != running ]]; then
    log "$name: system state '$state'; failed units:"
    nsenter -t "$leader" -a systemctl --failed --no-legend >&2 || true
    [[ $state == degraded ]] || die "$name did not boot"
  fi
  # sshd: a real key login with strict host-key checking, exactly as the product will connect.
  until ssh -q -i "$STATE/id_ed25519" -o UserKnownHostsFile="$STATE/known_hosts" -o StrictHostKeyChecking=yes \
    -o BatchMode=yes -o ConnectTimeout=2 "root@$(cat "$d/address")" true </dev/null 2>/dev/null; do
    ((SECONDS < deadline)) || die "$name: ssh login fails"
    sleep 0.1
  done
  # Ready means serving: Type=simple units are "active" before the app listens.
  local url
  if [[ $name == lb-1 ]]; then urls=("http://$(cat "$d/address")/lb-healthz"); else
    urls=("http://$(cat "$d/address")/healthz" "http://$(cat "$d/address"):8081/healthz"); fi
  for url in "${urls[@]}"; do
    until [[ $(curl -s -o /dev/null -m 1 -w '%{http_code}' "$url" || true) == 200 ]]; do
      ((SECONDS < deadline)) || die "$name: $url not 200"
      sleep 0.05
    done
  done
  log "$name booted $(since "$t0")"
}

# ----------------------------------------------------------------------------------------------
# On the machine: HAProxy and an sshd for reaching the LB over SSH
# ----------------------------------------------------------------------------------------------

write_haproxy_cfg() {
  local i
  {
    cat <<EOF
# zdr fleet HAProxy (written by fleet.sh)
global
    stats socket $STATE/haproxy.sock mode 600 level admin
    stats timeout 2m
    pidfile $STATE/haproxy.pid
    maxconn 4096

defaults
    mode http
    timeout connect 2s
    timeout client 130s
    timeout server 120s
    timeout check 2s
    retries 3
    option redispatch
    # A request sent on an idle keep-alive connection just as nginx closes it (its graceful
    # reload closes idle connections) gets no response at all; HAProxy may retry such a request
    # on another connection. Seen without it: 2 failed requests in 1 of ~10 reload rollouts under
    # load. The README recommends the same line for production load balancers.
    retry-on conn-failure empty-response
    option httpchk GET /healthz
    default-server check inter 1s fall 2 rise 2

frontend fe_web
    bind 127.0.0.1:$HAPROXY_PORT
    default_backend web

frontend fe_websock
    bind 127.0.0.1:$HAPROXY_SOCK_PORT
    default_backend websock

# HAProxy's own Prometheus exporter (USE_PROMEX, Debian bookworm's 2.6): per-server response
# counters by code class, for the check-source prometheus tests.
frontend fe_prometheus
    bind 127.0.0.1:$HAPROXY_PROM_PORT
    no log
    http-request use-service prometheus-exporter if { path /metrics }
    http-request return status 404

backend web
EOF
    for ((i = 1; i <= NHOSTS; i++)); do echo "    server $(host_name "$i") $(host_addr "$i"):80"; done
    echo
    echo "backend websock"
    for ((i = 1; i <= NHOSTS; i++)); do echo "    server $(host_name "$i") $(host_addr "$i"):8081"; done
  } >"$STATE/haproxy.cfg"
}

start_haproxy() {
  haproxy -c -q -f "$STATE/haproxy.cfg" >&2
  haproxy -D -f "$STATE/haproxy.cfg" -p "$STATE/haproxy.pid" </dev/null >>"$STATE/haproxy.log" 2>&1 9<&-
}

start_lb_sshd() {
  local s=$STATE/sshd
  mkdir -p "$s"
  [[ -f $s/ssh_host_ed25519_key ]] || ssh-keygen -q -t ed25519 -N '' -C zdr-lb-sshd -f "$s/ssh_host_ed25519_key"
  install -m 0600 "$STATE/id_ed25519.pub" "$s/authorized_keys"
  cat >"$s/sshd_config" <<EOF
# zdr fleet: sshd on the machine, so the product reaches the HAProxy runtime API over SSH
Port $LB_SSH_PORT
ListenAddress 127.0.0.1
HostKey $s/ssh_host_ed25519_key
PidFile $STATE/sshd.pid
AuthorizedKeysFile $s/authorized_keys
AllowUsers root
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
  # sshd needs its privilege-separation dir; note when we created it so `down` removes it again.
  if [[ ! -d /run/sshd ]]; then mkdir -p /run/sshd && chmod 0755 /run/sshd && touch "$STATE/created-run-sshd"; fi
  # The product's lock directory on this machine (the HAProxy LB host is the machine itself): the
  # rollouts create it; remove it at `down` unless it was here before the fleet.
  [[ -e /run/zero-downtime-restart ]] || touch "$STATE/created-run-locks"
  grep -q "^\[127.0.0.1\]:$LB_SSH_PORT " "$STATE/known_hosts" 2>/dev/null ||
    printf '[127.0.0.1]:%s %s\n' "$LB_SSH_PORT" "$(cut -d' ' -f1,2 "$s/ssh_host_ed25519_key.pub")" >>"$STATE/known_hosts"
  /usr/sbin/sshd -t -f "$s/sshd_config"
  run_machine_sshd "$s/sshd_config" "$STATE/sshd.log"
}

# run_machine_sshd CONFIG LOG: an sshd on the machine (the load balancer's host) whose root logs in
# with root's ~/.bashrc as Debian ships it (base-files' dot.bashrc), like the fleet hosts' root.
# bash reads ~/.bashrc for every command sshd runs, and this machine's own root profile is not part
# of the fleet: here it runs `pyenv init`, ~0.7 s of CPU per login, which on 2 cores made the load
# balancer's login the slowest step of every preflight. The stock file is bind-mounted read-only
# over /root/.bashrc in a mount namespace of sshd's own (private propagation), so no mount shows
# outside it; the namespace goes with sshd and its last session. `ZDR_LB_MACHINE_BASHRC=1` at `up`
# keeps the machine's own file (the choice is part of up.args: a fleet up the other way is rebuilt).
lb_bashrc_mode() {
  if [[ ${ZDR_LB_MACHINE_BASHRC:-} == 1 || ! -f /usr/share/base-files/dot.bashrc || ! -f /root/.bashrc ]]; then
    echo machine
  else
    echo stock
  fi
}

run_machine_sshd() {
  if [[ $(cat "$STATE/lb-bashrc" 2>/dev/null || lb_bashrc_mode) == stock ]]; then
    # shellcheck disable=SC2016 # expanded by the inner sh
    unshare --mount --propagation private -- sh -c '
      mount --bind /usr/share/base-files/dot.bashrc /root/.bashrc &&
        mount -o remount,bind,ro /root/.bashrc &&
        exec /usr/sbin/sshd -f "$1" -E "$2"' sh "$1" "$2" </dev/null >>"$STATE/sshd-start.log" 2>&1 9<&- ||
      die "sshd $1 with Debian's stock ~/.bashrc did not start (see $STATE/sshd-start.log; ZDR_LB_MACHINE_BASHRC=1 at up keeps the machine's own)"
  else
    /usr/sbin/sshd -f "$1" -E "$2" </dev/null >/dev/null 2>&1 9<&-
  fi
}

# known_hosts from the generated keys (no ssh-keyscan): containers first (before they boot, so
# the boot check can log in strictly), the machine's LB sshd appended when it starts.
write_known_hosts() {
  local name
  for name in "${NAMES[@]}"; do
    printf '%s %s\n' "$(cat "$STATE/hosts/$name/address")" "$(cut -d' ' -f1,2 "$STATE/hosts/$name/ssh_host_ed25519_key.pub")"
  done >"$STATE/known_hosts"
}

write_fleet_json() {
  local i name sep="" nlb="null"
  local hosts=""
  for ((i = 1; i <= NHOSTS; i++)); do
    name=$(host_name "$i")
    hosts+=$(printf '%s\n    { "name": "%s", "address": "%s", "port": 22, "machine": "%s", "leaderPid": %s, "netns": "%s" }' \
      "$sep" "$name" "$(host_addr "$i")" "$(machine_of "$name")" "$(cat "$STATE/hosts/$name/leader.pid")" "$(machine_of "$name")")
    sep=","
  done
  if [[ $WITH_LB == 1 ]]; then
    nlb=$(printf '{ "name": "lb-1", "address": "%s", "port": 22, "url": "http://%s/", "upstreamConf": "/etc/nginx/conf.d/upstream.conf", "leaderPid": %s }' \
      "$LB_ADDR" "$LB_ADDR" "$(cat "$STATE/hosts/lb-1/leader.pid")")
  fi
  cat >"$STATE/fleet.json.tmp" <<EOF
{
  "stateDir": "$STATE",
  "privateKeyPath": "$STATE/id_ed25519",
  "knownHostsPath": "$STATE/known_hosts",
  "hosts": [$hosts
  ],
  "lb": { "sshHost": "127.0.0.1", "sshPort": $LB_SSH_PORT, "haproxySocket": "$STATE/haproxy.sock", "backend": "web", "url": "http://127.0.0.1:$HAPROXY_PORT/", "sockBackend": "websock", "sockUrl": "http://127.0.0.1:$HAPROXY_SOCK_PORT/", "metricsUrl": "http://127.0.0.1:$HAPROXY_PROM_PORT/metrics" },
  "nginxLb": $nlb
}
EOF
  mv "$STATE/fleet.json.tmp" "$STATE/fleet.json"
}

haproxy_cmd() { echo "$1" | socat -t 5 stdio "UNIX-CONNECT:$STATE/haproxy.sock"; }

# Lines "backend/server status" for our two backends.
haproxy_states() {
  haproxy_cmd "show stat" | awk -F, '($1 == "web" || $1 == "websock") && $2 != "BACKEND" && $2 != "FRONTEND" { print $1 "/" $2, $18 }'
}

# wait_all_up TIMEOUT_S: every server of both backends UP in HAProxy's eyes.
wait_all_up() {
  local timeout=$1 deadline states
  deadline=$((SECONDS + timeout))
  while :; do
    states=$(haproxy_states 2>/dev/null || true)
    if [[ -n $states ]] && ! grep -qv ' UP$' <<<"$states"; then return 0; fi
    if ((SECONDS >= deadline)); then
      log "HAProxy servers not all UP after ${timeout}s:"; echo "$states" >&2; return 1
    fi
    sleep 0.2
  done
}

# ----------------------------------------------------------------------------------------------
# Teardown: only what we created, by pid and by name. Also clears leftovers of a killed run.
# ----------------------------------------------------------------------------------------------

pid_alive_with() { # PIDFILE WORD: pid in the file is alive and its command line contains WORD
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2" || return 1
  echo "$pid"
}

# All pids in our cgroup trees (containers whose nspawn died keep running there).
cgroup_pids() {
  local cg
  for cg in "$SYSTEMD_CG"/zdr-* "$UNIFIED_CG"/zdr-* /sys/fs/cgroup/zdr-*; do
    [[ -d $cg ]] && find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null
  done
  return 0
}

stop_containers() {
  local f pid pids=() i alive
  for f in "$STATE"/hosts/*/nspawn.pid; do
    [[ -e $f ]] || continue
    pid=$(pid_alive_with "$f" systemd-nspawn) && pids+=("$pid")
  done
  if ((${#pids[@]})); then
    # SIGTERM makes nspawn power the container off cleanly; give it a few seconds.
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      alive=0
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      ((alive)) || break
      sleep 0.1
    done
  fi
  # Whatever is still in our cgroups (slow shutdown, or orphans of a killed run): SIGKILL.
  for ((i = 0; i < 50; i++)); do
    mapfile -t pids < <(cgroup_pids)
    ((${#pids[@]})) || break
    kill -KILL "${pids[@]}" 2>/dev/null || true
    sleep 0.1
  done
}

cleanup() {
  local pid m ns link cg
  if pid=$(pid_alive_with "$STATE/haproxy.pid" "$STATE/haproxy.cfg"); then kill "$pid" 2>/dev/null || true; fi
  if pid=$(pid_alive_with "$STATE/sshd.pid" "$STATE/sshd/sshd_config"); then kill "$pid" 2>/dev/null || true; fi
  if pid=$(pid_alive_with "$STATE/bastion/sshd.pid" "$STATE/bastion/sshd_config"); then kill "$pid" 2>/dev/null || true; fi
  stop_containers
  # overlay mounts under STATE (deepest first), lazily if something still holds them
  if [[ -d $STATE ]]; then
    while read -r m; do
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done < <(awk -v s="$STATE/" 'index($2, s) == 1 { print $2 }' /proc/self/mounts | sort -r)
  fi
  # netns (takes the container ends of the veths with it), then host ends and the bridge
  for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^zdr-/ { print $1 }'); do
    ip netns del "$ns" 2>/dev/null || true
  done
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep -E '^zdr(v|p)-' || true); do
    ip link del "$link" 2>/dev/null || true
  done
  ip link show "$BRIDGE" >/dev/null 2>&1 && ip link del "$BRIDGE"
  # cgroup dirs: children first; they are empty now
  for cg in "$SYSTEMD_CG"/zdr-* "$UNIFIED_CG"/zdr-* /sys/fs/cgroup/zdr-*; do
    [[ -d $cg ]] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  # TESTBED pitfall 5: nspawn leaves /run/systemd/nspawn/propagate/NAME behind
  rm -rf /run/systemd/nspawn/propagate/zdr-* 2>/dev/null || true
  if [[ -f $STATE/created-run-sshd ]]; then rmdir /run/sshd 2>/dev/null || true; fi
  if [[ -f $STATE/created-run-locks ]]; then rm -rf /run/zero-downtime-restart; fi
  if [[ -f $STATE/created-run-netns ]] && mountpoint -q /run/netns && [[ -z $(ip netns list 2>/dev/null) ]]; then
    umount /run/netns 2>/dev/null || true
    rmdir /run/netns 2>/dev/null || true
  fi
  rm -rf "$STATE"
  # report anything that would not go away
  for cg in "$SYSTEMD_CG"/zdr-* "$UNIFIED_CG"/zdr-* /sys/fs/cgroup/zdr-*; do
    [[ -d $cg ]] && log "WARNING: cgroup $cg left behind"
  done
  return 0
}

# ----------------------------------------------------------------------------------------------
# Opt-in: jump hosts (bastions) in front of a private SSH network. `bastion-up` adds them to a
# running fleet and `bastion-down` takes them away again, leaving the fleet as `up` made it;
# nothing here runs unless asked (test/fleet/bastion.test.ts asks). `down` clears them too.
#   bastion-1  $NET.6 (the runner reaches it) + $PRIV.6
#   bastion-2  $PRIV.7 for SSH (reached through bastion-1 only); $NET.7 only for its boot check
#   web-i      SSH moved to $PRIV.(10+i): no address of the machine is on $PRIV, so the runner
#              cannot reach the hosts' sshd except through a bastion
#   HAProxy's machine: a second sshd on $NET.1:$BASTION_LB_SSH_PORT that admits only bastion-1
# ----------------------------------------------------------------------------------------------
PRIV=10.78.0
BASTION_LB_SSH_PORT=2223
BASTIONS=(bastion-1 bastion-2)

bastion_addr() { [[ $1 == bastion-1 ]] && echo "$NET.6" || echo "$NET.7"; }
bastion_priv_addr() { case $1 in bastion-1) echo "$PRIV.6" ;; bastion-2) echo "$PRIV.7" ;; web-*) echo "$PRIV.$((10 + ${1#web-}))" ;; esac; }

# bastion_sshd_conf NAME: the bastion's sshd drop-in: forwarding only to the fleet's SSH ports.
bastion_sshd_conf() {
  local name=$1 i permit="$NET.1:$BASTION_LB_SSH_PORT $PRIV.7:22"
  for ((i = 1; i <= 80; i++)); do permit+=" $PRIV.$((10 + i)):22"; done
  echo "AllowTcpForwarding local"
  echo "PermitOpen $permit"
  echo "X11Forwarding no"
  echo "PermitTTY no"
  [[ $name == bastion-2 ]] && echo "ListenAddress $PRIV.7"
  return 0
}

# bastion_boot NAME: a container of the web image (it has sshd) with a shell-less `jump` user.
bastion_boot() {
  local name=$1 d addr leader
  d=$STATE/hosts/$name
  addr=$(bastion_addr "$name")
  mkdir -p "$d"
  echo "$addr" >"$d/address"
  net_host_up "$name" "$addr"
  ip -n "$(machine_of "$name")" addr add "$(bastion_priv_addr "$name")/24" dev eth0
  prepare_root "$name" web "$addr"
  printf '%s %s\n' "$addr" "$(cut -d' ' -f1,2 "$d/ssh_host_ed25519_key.pub")" >>"$STATE/known_hosts"
  launch_container "$name"
  wait_booted "$name" 90
  leader=$(cat "$d/leader.pid")
  nsenter -t "$leader" -a sh -c 'id jump >/dev/null 2>&1 || useradd -m -s /usr/sbin/nologin jump
    install -d -m 0700 -o jump -g jump /home/jump/.ssh'
  nsenter -t "$leader" -a install -m 0600 -o jump -g jump /dev/stdin /home/jump/.ssh/authorized_keys <"$STATE/bastion/id_jump.pub"
  bastion_sshd_conf "$name" | nsenter -t "$leader" -a install -m 0644 /dev/stdin /etc/ssh/sshd_config.d/zdr-bastion.conf
  nsenter -t "$leader" -a sh -c 'sshd -t && systemctl restart ssh'
}

# bastion_lb_sshd: HAProxy's machine reachable over SSH from bastion-1 only (same key as the LB sshd).
bastion_lb_sshd() {
  local s=$STATE/sshd
  sed -e "s/^Port .*/Port $BASTION_LB_SSH_PORT/" -e "s/^ListenAddress .*/ListenAddress $NET.1/" \
    -e "s|^PidFile .*|PidFile $STATE/bastion/sshd.pid|" -e "s/^AllowUsers .*/AllowUsers root@$NET.6/" \
    "$s/sshd_config" >"$STATE/bastion/sshd_config"
  /usr/sbin/sshd -t -f "$STATE/bastion/sshd_config"
  run_machine_sshd "$STATE/bastion/sshd_config" "$STATE/bastion/sshd.log"
}

# bastion_private_ssh NAME on|off: the web host's sshd on its private address only, or back.
bastion_private_ssh() {
  local name=$1 leader ns addr
  leader=$(leader_of "$name"); ns=$(machine_of "$name"); addr=$(bastion_priv_addr "$name")
  if [[ $2 == on ]]; then
    ip -n "$ns" addr add "$addr/24" dev eth0
    echo "ListenAddress $addr" | nsenter -t "$leader" -a install -m 0644 /dev/stdin /etc/ssh/sshd_config.d/zdr-private.conf
  else
    ip -n "$ns" addr del "$addr/24" dev eth0 2>/dev/null || true
    nsenter -t "$leader" -a rm -f /etc/ssh/sshd_config.d/zdr-private.conf
  fi
  nsenter -t "$leader" -a systemctl restart ssh
}

write_bastion_json() {
  local b=$STATE/bastion i hosts="" sep=""
  {
    for ((i = 1; i <= NHOSTS; i++)); do
      printf '%s %s\n' "$PRIV.$((10 + i))" "$(cut -d' ' -f1,2 "$STATE/hosts/web-$i/ssh_host_ed25519_key.pub")"
    done
    printf '%s %s\n' "$NET.6" "$(cut -d' ' -f1,2 "$STATE/hosts/bastion-1/ssh_host_ed25519_key.pub")"
    printf '%s %s\n' "$PRIV.7" "$(cut -d' ' -f1,2 "$STATE/hosts/bastion-2/ssh_host_ed25519_key.pub")"
    printf '[%s]:%s %s\n' "$NET.1" "$BASTION_LB_SSH_PORT" "$(cut -d' ' -f1,2 "$STATE/sshd/ssh_host_ed25519_key.pub")"
  } >"$b/known_hosts"
  for ((i = 1; i <= NHOSTS; i++)); do
    hosts+=$(printf '%s\n    { "name": "web-%s", "privateAddress": "%s" }' "$sep" "$i" "$PRIV.$((10 + i))")
    sep=","
  done
  {
    printf '{\n  "jumpKeyPath": "%s",\n  "knownHostsPath": "%s",\n' "$b/id_jump" "$b/known_hosts"
    printf '  "bastion1": { "name": "bastion-1", "address": "%s", "user": "jump" },\n' "$NET.6"
    printf '  "bastion2": { "name": "bastion-2", "address": "%s", "user": "jump" },\n' "$PRIV.7"
    printf '  "lb": { "sshHost": "%s", "sshPort": %s },\n  "hosts": [%s\n  ]\n}\n' "$NET.1" "$BASTION_LB_SSH_PORT" "$hosts"
  } >"$b/bastion.json.tmp"
  mv "$b/bastion.json.tmp" "$b/bastion.json"
}

cmd_bastion_up() {
  local t0 name pids=() rc=0 p
  t0=$(now)
  load_names
  if [[ -f $STATE/bastion/bastion.json ]]; then log "bastions already up"; echo "$STATE/bastion/bastion.json"; return 0; fi
  NHOSTS=0
  for name in "${NAMES[@]}"; do [[ $name == web-* ]] && NHOSTS=$((NHOSTS + 1)); done
  ensure_image # sets ROOTFS, the containers' lower layer (cached: no build)
  mkdir -p "$STATE/bastion"
  [[ -f $STATE/bastion/id_jump ]] || ssh-keygen -q -t ed25519 -N '' -C zdr-jump -f "$STATE/bastion/id_jump"
  for name in "${BASTIONS[@]}"; do (bastion_boot "$name") & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  ((rc == 0)) || die "bastions did not come up (logs: $STATE/hosts/bastion-*/console.log)"
  for name in "${NAMES[@]}"; do [[ $name == web-* ]] && bastion_private_ssh "$name" on; done
  bastion_lb_sshd
  write_bastion_json
  log "bastions up in $(since "$t0"); $STATE/bastion/bastion.json"
  echo "$STATE/bastion/bastion.json"
}

# bastion_remove NAME: one bastion container and everything of it, by pid and by name.
bastion_remove() {
  local name=$1 d pid m cg i
  d=$STATE/hosts/$name
  [[ -d $d ]] || return 0
  if pid=$(pid_alive_with "$d/nspawn.pid" systemd-nspawn); then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done < <(awk -v s="$d/" 'index($2, s) == 1 { print $2 }' /proc/self/mounts | sort -r)
  ip netns del "$(machine_of "$name")" 2>/dev/null || true
  ip link del "$(veth_of "$name")" 2>/dev/null || true
  for cg in $(cgroup_dirs "$(machine_of "$name")"); do [[ -d $cg ]] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null; done
  rm -rf "/run/systemd/nspawn/propagate/$(machine_of "$name")" "$d"
  grep -v "^$(bastion_addr "$name") " "$STATE/known_hosts" >"$STATE/known_hosts.tmp" || true
  mv "$STATE/known_hosts.tmp" "$STATE/known_hosts"
}

cmd_bastion_down() {
  local t0 name pid
  t0=$(now)
  load_names
  if pid=$(pid_alive_with "$STATE/bastion/sshd.pid" "$STATE/bastion/sshd_config"); then kill "$pid" 2>/dev/null || true; fi
  for name in "${NAMES[@]}"; do [[ $name == web-* ]] && bastion_private_ssh "$name" off; done
  for name in "${BASTIONS[@]}"; do bastion_remove "$name"; done
  rm -rf "$STATE/bastion"
  log "bastions down in $(since "$t0")"
}

# ----------------------------------------------------------------------------------------------
# Commands
# ----------------------------------------------------------------------------------------------

load_names() { # NAMES from the running fleet's STATE
  NAMES=()
  local d
  for d in "$STATE"/hosts/*/; do [[ -d $d ]] && NAMES+=("$(basename "$d")"); done
  ((${#NAMES[@]})) || die "no fleet is up (run: $0 up)"
  mapfile -t NAMES < <(printf '%s\n' "${NAMES[@]}" | sort -V)
}

leader_of() {
  local name=$1 pid
  # The names listed are the fleet's own host names (letters, digits, dashes): ls is fine (SC2012).
  # shellcheck disable=SC2012
  [[ -f $STATE/hosts/$name/leader.pid ]] || die "unknown host '$name' (fleet up? hosts: $(ls "$STATE/hosts" 2>/dev/null | tr '\n' ' '))"
  pid=$(cat "$STATE/hosts/$name/leader.pid")
  [[ -d /proc/$pid ]] || die "$name: container init $pid is gone (run: $0 up)"
  echo "$pid"
}

# Is the fleet already up as requested and alive? Then `up` is just a `reset`.
fleet_alive() {
  [[ -f $STATE/fleet.json && -f $STATE/up.args ]] || return 1
  [[ $(cat "$STATE/up.args") == "$NHOSTS $WITH_LB $(image_hash) $(lb_bashrc_mode)" ]] || return 1
  pid_alive_with "$STATE/haproxy.pid" "$STATE/haproxy.cfg" >/dev/null || return 1
  pid_alive_with "$STATE/sshd.pid" "$STATE/sshd/sshd_config" >/dev/null || return 1
  local f
  for f in "$STATE"/hosts/*/nspawn.pid; do
    pid_alive_with "$f" systemd-nspawn >/dev/null || return 1
    [[ -d /proc/$(cat "${f%/nspawn.pid}/leader.pid" 2>/dev/null || echo none) ]] || return 1
  done
}

cmd_up() {
  NHOSTS=3 WITH_LB=1
  local fresh=0 t0 i name
  while (($#)); do
    case $1 in
      --hosts) NHOSTS=${2:?--hosts N}; shift 2 ;;
      --hosts=*) NHOSTS=${1#*=}; shift ;;
      --nginx-lb) WITH_LB=1; shift ;;
      --no-nginx-lb) WITH_LB=0; shift ;;
      --fresh) fresh=1; shift ;;
      *) die "up: unknown option $1" ;;
    esac
  done
  # die when either test fails: A && B || C is meant here (SC2015).
  # shellcheck disable=SC2015
  [[ $NHOSTS =~ ^[0-9]+$ ]] && ((NHOSTS >= 1 && NHOSTS <= 80)) || die "--hosts must be 1..80"
  t0=$(now)
  ensure_packages
  if ((!fresh)) && fleet_alive; then
    log "fleet already up ($NHOSTS hosts): resetting"
    cmd_reset
    echo "$STATE/fleet.json"
    return 0
  fi
  # Always clear (cheap when nothing is there): a killed run can leave netns/links/cgroups
  # even when $STATE is gone.
  local had=0
  [[ -d $STATE ]] && had=1
  cleanup
  ((had)) && log "cleared the previous fleet in $(since "$t0")"
  ensure_image

  mkdir -p "$STATE/hosts"
  chmod 0755 "$STATE"
  echo "$NHOSTS $WITH_LB $(image_hash) $(lb_bashrc_mode)" >"$STATE/up.args.pending"
  lb_bashrc_mode >"$STATE/lb-bashrc"
  ssh-keygen -q -t ed25519 -N '' -C zdr-fleet-client -f "$STATE/id_ed25519"
  build_layer web "$STATE/layer-web"
  ((WITH_LB)) && build_layer lb "$STATE/layer-lb"

  NAMES=()
  for ((i = 1; i <= NHOSTS; i++)); do NAMES+=("$(host_name "$i")"); done
  ((WITH_LB)) && NAMES+=(lb-1)

  net_bridge_up
  for name in "${NAMES[@]}"; do
    local addr role=web
    if [[ $name == lb-1 ]]; then addr=$LB_ADDR role=lb; else addr=$(host_addr "${name#web-}"); fi
    mkdir -p "$STATE/hosts/$name"
    echo "$addr" >"$STATE/hosts/$name/address"
    net_host_up "$name" "$addr"
    prepare_root "$name" "$role" "$addr"
  done
  write_known_hosts
  log "network and overlays ready in $(since "$t0")"

  for name in "${NAMES[@]}"; do launch_container "$name"; done
  # Wait for all boots in parallel; any failure fails `up`.
  local pids=() rc=0 p
  for name in "${NAMES[@]}"; do wait_booted "$name" 90 & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  ((rc == 0)) || die "some hosts did not boot (logs: $STATE/hosts/*/console.log)"

  start_lb_sshd
  write_haproxy_cfg
  start_haproxy
  wait_all_up 30 || die "HAProxy does not see all servers UP"
  write_fleet_json
  mv "$STATE/up.args.pending" "$STATE/up.args"
  log "fleet up: $NHOSTS hosts$( ((WITH_LB)) && echo ' + lb-1') in $(since "$t0"); $STATE/fleet.json"
  echo "$STATE/fleet.json"
}

cmd_down() {
  local t0
  t0=$(now)
  cleanup
  log "down in $(since "$t0")"
}

cmd_reset() {
  local t0 name pids=() rc=0 p i pid
  t0=$(now)
  load_names
  # Machine side first: HAProxy and the LB sshd must be running.
  pid_alive_with "$STATE/haproxy.pid" "$STATE/haproxy.cfg" >/dev/null || { log "restarting HAProxy"; start_haproxy; }
  pid_alive_with "$STATE/sshd.pid" "$STATE/sshd/sshd_config" >/dev/null || { log "restarting LB sshd"; start_lb_sshd; }
  for name in "${NAMES[@]}"; do
    [[ $name == lb-1 ]] && continue
    (nsenter -t "$(leader_of "$name")" -a /usr/local/sbin/zdr reset || { log "$name: reset failed"; exit 1; }) & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  # lb-1 after the web hosts: its health check goes through them.
  if [[ -d $STATE/hosts/lb-1 ]]; then
    nsenter -t "$(leader_of lb-1)" -a /usr/local/sbin/zdr reset || { log "lb-1: reset failed"; rc=1; }
  fi
  # HAProxy: every server back to ready, weight 1, checks enabled, counters cleared.
  for name in "${NAMES[@]}"; do
    [[ $name == lb-1 || $name == bastion-* ]] && continue
    for b in web websock; do
      haproxy_cmd "set server $b/$name state ready" >/dev/null
      haproxy_cmd "set server $b/$name weight 1" >/dev/null
      haproxy_cmd "enable health $b/$name" >/dev/null
    done
  done
  haproxy_cmd "clear counters all" >/dev/null
  wait_all_up 60 || rc=1
  ((rc == 0)) || die "reset failed"
  log "reset in $(since "$t0")"
}

cmd_exec() {
  local name=${1:?exec HOST -- CMD...} leader
  shift
  [[ ${1:-} == -- ]] && shift
  (($#)) || die "exec: no command"
  leader=$(leader_of "$name")
  # A clean environment, like a login on the host would have (the caller's env is not the host's).
  exec nsenter -t "$leader" -a /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" "$@"
}

cmd_fault() {
  local name=${1:?fault HOST KNOB [ARGS]} knob=${2:?fault HOST KNOB [ARGS]}
  shift 2
  [[ $name == lb-1 ]] && die "fault knobs are for web hosts"
  cmd_exec "$name" -- /usr/local/sbin/zdr fault "$knob" "$@"
}

cmd_status() {
  local name leader
  [[ -d $STATE/hosts ]] || { echo "fleet: down"; return 0; }
  load_names
  echo "fleet: ${#NAMES[@]} containers, state $STATE"
  for name in "${NAMES[@]}"; do
    if ! pid_alive_with "$STATE/hosts/$name/nspawn.pid" systemd-nspawn >/dev/null; then
      printf '  %-7s DOWN (systemd-nspawn gone; run: fleet.sh up)\n' "$name"
    elif leader=$(cat "$STATE/hosts/$name/leader.pid" 2>/dev/null) && [[ -d /proc/$leader ]]; then
      printf '  %-7s %-11s leader %-7s ' "$name" "$(cat "$STATE/hosts/$name/address")" "$leader"
      if [[ $name == lb-1 ]]; then
        nsenter -t "$leader" -a systemctl is-active nginx ssh 2>/dev/null | paste -sd' ' | sed 's/^/nginx,ssh: /'
      else
        nsenter -t "$leader" -a systemctl is-active nginx app app-sock.socket app-sock ssh 2>/dev/null |
          paste -sd' ' | sed 's/^/nginx,app,app-sock.socket,app-sock,ssh: /'
      fi
    else
      printf '  %-7s DOWN (no container)\n' "$name"
    fi
  done
  if pid_alive_with "$STATE/haproxy.pid" "$STATE/haproxy.cfg" >/dev/null; then
    echo "haproxy: http://127.0.0.1:$HAPROXY_PORT/ (web), http://127.0.0.1:$HAPROXY_SOCK_PORT/ (websock), socket $STATE/haproxy.sock"
    haproxy_cmd "show stat" | awk -F, '($1 == "web" || $1 == "websock") && $2 != "FRONTEND" { printf "  %-8s %-8s %-10s scur %s\n", $1, $2, $18, $5 }'
  else
    echo "haproxy: not running"
  fi
  if pid_alive_with "$STATE/sshd.pid" "$STATE/sshd/sshd_config" >/dev/null; then
    echo "lb sshd: root@127.0.0.1:$LB_SSH_PORT"
  else
    echo "lb sshd: not running"
  fi
}

cmd_wrk() {
  local url=${1:?wrk URL SECONDS [CONNS]} secs=${2:?wrk URL SECONDS [CONNS]} conns=${3:-64}
  exec wrk -t2 -c"$conns" -d"${secs}s" --timeout 5s "$url"
}

usage() { sed -n "/^# Usage:/,/^#        fleet.sh wrk/p" "$SCRIPT" | sed "s/^# //" >&2; exit 2; }

main() {
  [[ $(id -u) == 0 ]] || die "must run as root"
  local cmd=${1:-}
  (($#)) && shift
  case $cmd in
    up | down | reset | bastion-up | bastion-down)
      # One lifecycle command at a time (vitest may run several files). The lock is on this
      # script; launched daemons get fd 9 closed so they never hold it.
      exec 9<"$SCRIPT"
      flock 9
      "cmd_${cmd//-/_}" "$@" ;;
    exec) cmd_exec "$@" ;;
    fault) cmd_fault "$@" ;;
    status) cmd_status ;;
    deps) ensure_packages ;;
    wrk) cmd_wrk "$@" ;;
    *) usage ;;
  esac
}

main "$@"
