#!/usr/bin/env bash
# Start/stop a throwaway CNCF Distribution registry (and optionally the fault
# proxy in front of it) for scripts, CI and the quickstart.
#
#   registryctl.sh start MODE STATE_DIR     MODE: plain | htpasswd_tls | token
#   registryctl.sh proxy STATE_DIR [RULES_FILE]
#   registryctl.sh env   STATE_DIR
#   registryctl.sh stop  STATE_DIR
#
# start prints key=value lines (also kept in STATE_DIR/env) and returns once
# GET /v2/ answers:
#   mode=plain  host=127.0.0.1:PORT  port=PORT  url=http://127.0.0.1:PORT
#   ca_file=... cert_dir=...                 (htpasswd_tls: the CA, and a dir with ca.crt)
#   user=dltest user_file=... password_file=...   (htpasswd_tls, token)
#   docker_config=DIR                        (DIR/config.json has auths for host)
#   token_realm=... token_service=...        (token)
#   log=...  server_pid=...  registry_pid=...
# proxy starts dl_fault_proxy in front of the registry (plain or token mode:
# the proxy speaks plain http) with RULES_FILE as its control file (default
# STATE_DIR/fault_rules, created empty; edit it at any time, the proxy re-reads
# it), logging faults to STATE_DIR/faults.log, and prints
#   proxy_host=127.0.0.1:PORT proxy_url=http://... fault_log=... rules_file=...
# stop stops both and removes the registry's data; STATE_DIR keeps *.log.
#
# Binaries: $DL_REGISTRY_SERVER / $DL_FAULT_PROXY, else they are looked up in
# $DL_BUILD_DIR (default: <repo>/build): tests/support/dl_registry_server and
# tests/fault_proxy/dl_fault_proxy (cmake --build build --target
# dl_registry_server dl_fault_proxy).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${DL_BUILD_DIR:-$repo/build}

die() { echo "registryctl: $*" >&2; exit 1; }

find_bin() {  # VAR_NAME relative/path
  local override=${!1:-}
  if [[ -n $override ]]; then
    [[ -x $override ]] || die "$1=$override is not executable"
    echo "$override"; return
  fi
  [[ -x $build/$2 ]] || die "$build/$2 not found; build it (cmake --build $build --target $(basename "$2")) or set $1"
  echo "$build/$2"
}

# Waits for FILE to exist while PID lives; fails with LOG's tail otherwise.
wait_for_file() {
  local file=$1 pid=$2 log=$3 what=$4
  for _ in $(seq 1 400); do
    [[ -s $file ]] && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "registryctl: $what exited during startup:" >&2
      tail -n 30 "$log" >&2 || true
      exit 1
    fi
    sleep 0.05
  done
  kill "$pid" 2>/dev/null || true
  die "$what did not become ready within 20s (see $log)"
}

stop_pid() {  # PIDFILE
  local pidfile=$1 pid
  [[ -f $pidfile ]] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

cmd=${1:-}
case $cmd in
  start)
    [[ $# -eq 3 ]] || die "usage: registryctl.sh start plain|htpasswd_tls|token STATE_DIR"
    mode=$2 state=$3
    case $mode in plain|htpasswd_tls|token) ;; *) die "unknown mode '$mode' (expected plain, htpasswd_tls or token)";; esac
    mkdir -p "$state"
    state=$(cd "$state" && pwd)
    [[ -f $state/server.pid ]] && kill -0 "$(cat "$state/server.pid")" 2>/dev/null &&
      die "a registry is already running for $state (registryctl.sh stop $state)"
    bin=$(find_bin DL_REGISTRY_SERVER tests/support/dl_registry_server)
    rm -f "$state/env"
    # setsid: its own session, so the caller's Ctrl-C or job control does not
    # reach it; stop is explicit.
    setsid "$bin" --mode "$mode" --state-dir "$state" >"$state/server.log" 2>&1 </dev/null &
    echo $! >"$state/server.pid"
    wait_for_file "$state/env" "$!" "$state/server.log" "dl_registry_server"
    cat "$state/env"
    ;;
  proxy)
    [[ $# -ge 2 && $# -le 3 ]] || die "usage: registryctl.sh proxy STATE_DIR [RULES_FILE]"
    state=$(cd "$2" && pwd)
    [[ -s $state/env ]] || die "no registry running for $state (registryctl.sh start MODE $state)"
    host=$(sed -n 's/^host=//p' "$state/env")
    mode=$(sed -n 's/^mode=//p' "$state/env")
    [[ $mode != htpasswd_tls ]] || die "the fault proxy speaks plain http; use a plain or token registry"
    rules=${3:-$state/fault_rules}
    [[ -e $rules ]] || : >"$rules"
    rules=$(cd "$(dirname "$rules")" && pwd)/$(basename "$rules")
    bin=$(find_bin DL_FAULT_PROXY tests/fault_proxy/dl_fault_proxy)
    rm -f "$state/proxy.port"
    setsid "$bin" --upstream "$host" --rules-file "$rules" --log "$state/faults.log" \
      --port-file "$state/proxy.port" >"$state/proxy.log" 2>&1 </dev/null &
    echo $! >"$state/proxy.pid"
    wait_for_file "$state/proxy.port" "$!" "$state/proxy.log" "dl_fault_proxy"
    port=$(cat "$state/proxy.port")
    {
      echo "proxy_host=127.0.0.1:$port"
      echo "proxy_url=http://127.0.0.1:$port"
      echo "fault_log=$state/faults.log"
      echo "rules_file=$rules"
    } | tee "$state/proxy.env"
    ;;
  env)
    [[ $# -eq 2 ]] || die "usage: registryctl.sh env STATE_DIR"
    [[ -s $2/env ]] || die "no registry running for $2"
    cat "$2/env"
    [[ -s $2/proxy.env ]] && cat "$2/proxy.env"
    exit 0
    ;;
  stop)
    [[ $# -eq 2 ]] || die "usage: registryctl.sh stop STATE_DIR"
    state=$2
    [[ -d $state ]] || exit 0
    stop_pid "$state/proxy.pid"
    # A registry whose host process died uncleanly is killed directly.
    registry_pid=$( [[ -f $state/env ]] && sed -n 's/^registry_pid=//p' "$state/env" || true)
    stop_pid "$state/server.pid"
    if [[ -n ${registry_pid:-} && $registry_pid -gt 0 ]] && kill -0 "$registry_pid" 2>/dev/null; then
      kill -KILL -- "-$registry_pid" 2>/dev/null || kill -KILL "$registry_pid" 2>/dev/null || true
    fi
    rm -rf "$state/registry"
    rm -f "$state/env" "$state/proxy.env" "$state/proxy.port" "$state/user" "$state/password"
    ;;
  *)
    die "usage: registryctl.sh start MODE STATE_DIR | proxy STATE_DIR [RULES_FILE] | env STATE_DIR | stop STATE_DIR"
    ;;
esac
