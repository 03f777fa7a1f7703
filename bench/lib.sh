# bench/lib.sh: what bench/run and bench/filter-cost share: logging, and starting and stopping exactly
# the processes a bench started. Sourced, not run. Needs HOST (for port_free) and WORK (for messages).

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "bench: $*"; exit 1; }

# ---- processes we start, and only those -------------------------------------------------------
# Each daemon runs in the foreground in its own session (setsid), so its PID is also its process
# group and session id: stopping it stops exactly the processes it forked, and bench.py finds them
# all (nginx master + workers, httpd parent + children) by session id.
STARTED=()
start() { # start NAME LOGFILE CMD... ; sets LAST_PID
  local name=$1 logfile=$2; shift 2
  setsid "$@" >"$logfile" 2>&1 </dev/null &
  LAST_PID=$!
  STARTED+=("$LAST_PID")
  log "started $name (pid $LAST_PID): $*"
}
stop() { # stop PID: TERM its process group, wait up to STOP_SECONDS (default 10), then KILL
  local pid=$1 i
  kill -0 -- "-$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM -- "-$pid" 2>/dev/null || true
  for ((i = 0; i < ${STOP_SECONDS:-10} * 10; i++)); do
    kill -0 -- "-$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 -- "-$pid" 2>/dev/null && { log "pid $pid ignored SIGTERM for ${STOP_SECONDS:-10} s: SIGKILL"; kill -KILL -- "-$pid" 2>/dev/null || true; }
  wait "$pid" 2>/dev/null || true
}
# wrk and bench.py run in the background of this shell and are waited for: a signal then runs the
# trap at once. (A foreground child that catches SIGINT itself, as wrk does, would make bash ignore
# Ctrl-C.) They get a session of their own too, so stopping one stops the wrk it started.
CHILD=0
bounded() { # bounded SECONDS CMD...: run CMD, killed after SECONDS
  setsid timeout "$@" </dev/null &
  CHILD=$!
  local rc=0
  wait "$CHILD" || rc=$?
  CHILD=0
  return "$rc"
}
forget() { # forget PID: once stopped, a PID is not ours any more
  local pid kept=()
  for pid in "${STARTED[@]}"; do [[ $pid == "$1" ]] || kept+=("$pid"); done
  STARTED=("${kept[@]}")
}
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  ((CHILD == 0)) || stop "$CHILD"
  for pid in "${STARTED[@]}"; do stop "$pid"; done
  ((rc == 0)) || log "bench: stopped everything it started (exit $rc); logs in ${WORK:-?}"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_free() { ! timeout 1 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }

wait_http() { # wait_http URL PID LOGFILE SECONDS: until URL answers 200, or die
  local url=$1 pid=$2 logfile=$3 deadline=$((SECONDS + $4))
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || { tail -20 "$logfile" >&2; die "pid $pid exited before $url answered"; }
    [[ $(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" || true) == 200 ]] && return 0
    sleep 0.2
  done
  tail -20 "$logfile" >&2
  die "$url did not answer 200 within $4 s (logs in $WORK)"
}

