#!/usr/bin/env bash
# Serve nnviz to a class: N Streamlit processes behind HAProxy with sticky sessions.
#
#   bash scripts/serve_class.sh N [PORT]      # e.g. bash scripts/serve_class.sh 2   → http://<this machine>:8501
#
# - starts N `streamlit run app.py` processes on 127.0.0.1:BACKEND_PORT … BACKEND_PORT+N-1
#   (default BACKEND_PORT = PORT + 100, i.e. 8601, 8602, …) and waits until each answers /_stcore/health;
# - starts Debian's HAProxy on PORT (default 8501) in front of them. A browser's first request gets a
#   SERVERID cookie naming its process; every later request of that browser (the page, the websocket
#   /_stcore/stream, file uploads) goes to the same process, which holds its session. New browsers go to
#   the process with the fewest open connections (one websocket per open tab). Health checks on
#   /_stcore/health take a dead process out of rotation;
# - Ctrl-C or SIGTERM stops HAProxy and every Streamlit process; if any of them exits on its own, the
#   others are stopped too and the script exits non-zero, naming the one that stopped.
# The HAProxy config and the logs live in a temporary directory (printed at start, removed at exit).
#
# Environment (all optional):
#   NNVIZ_BIND          address HAProxy listens on (default 0.0.0.0: reachable by the class; 127.0.0.1 for tests)
#   NNVIZ_BACKEND_PORT  first Streamlit port (default PORT + 100)
#   NNVIZ_PYTHON        Python with requirements.txt installed (default: .venv/bin/python, set up like start.sh)
#   NNVIZ_HAPROXY       the haproxy binary (default: haproxy on PATH, or /usr/sbin/haproxy)
#   NNVIZ_STATS_PORT    if set, HAProxy's stats page on 127.0.0.1:NNVIZ_STATS_PORT (sessions per process;
#                       append ";csv" to the URL for CSV)
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "serve_class.sh: $*" >&2; exit 2; }
is_port() { [[ $1 =~ ^[0-9]+$ ]] && (($1 >= 1 && $1 <= 65535)); }

N=${1:-}
PORT=${2:-8501}
[[ $N =~ ^[0-9]+$ ]] && ((N >= 1 && N <= 64)) || die "usage: bash scripts/serve_class.sh N [PORT]  (N = number of Streamlit processes, 1…64; got '${N}')"
is_port "$PORT" || die "PORT must be a number 1…65535, got '$PORT'"
BACKEND_PORT=${NNVIZ_BACKEND_PORT:-$((PORT + 100))}
is_port "$BACKEND_PORT" && is_port $((BACKEND_PORT + N - 1)) \
  || die "NNVIZ_BACKEND_PORT … +N-1 must be ports 1…65535, got '$BACKEND_PORT' (N = $N)"
if ((PORT >= BACKEND_PORT && PORT < BACKEND_PORT + N)); then
  die "PORT $PORT lies inside the backend ports $BACKEND_PORT…$((BACKEND_PORT + N - 1)); choose another NNVIZ_BACKEND_PORT"
fi
BIND=${NNVIZ_BIND:-0.0.0.0}
STATS_PORT=${NNVIZ_STATS_PORT:-}
[ -z "$STATS_PORT" ] || is_port "$STATS_PORT" || die "NNVIZ_STATS_PORT must be a port 1…65535, got '$STATS_PORT'"

HAPROXY=${NNVIZ_HAPROXY:-$(command -v haproxy || echo /usr/sbin/haproxy)}
if [ ! -x "$HAPROXY" ]; then
  die "HAProxy is not installed ($HAPROXY not found). Install Debian's package: sudo apt-get install haproxy"
fi

if [ -n "${NNVIZ_PYTHON:-}" ]; then
  PY=$NNVIZ_PYTHON
else
  if [ ! -x .venv/bin/python ]; then
    "${PYTHON:-python3}" -m venv .venv
  fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
  PY=.venv/bin/python
fi

RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/nnviz-class.XXXXXX")
PIDS=()    # every process we started, HAProxy last
NAMES=()   # what each one is, for the message when one stops
LOGS=()    # where its output goes

cleanup() {
  trap - INT TERM EXIT
  if ((${#PIDS[@]})); then
    kill -TERM "${PIDS[@]}" 2>/dev/null || true
    # Streamlit stops within a second or two; give up waiting after 10 s and kill what is left.
    for _ in $(seq 100); do
      alive=0
      for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      ((alive)) || break
      sleep 0.1
    done
    kill -KILL "${PIDS[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
  fi
  rm -rf "$RUN_DIR"
}
on_signal() { echo "serve_class.sh: stopping HAProxy and ${N} Streamlit process(es)…" >&2; cleanup; exit 0; }
trap on_signal INT TERM
trap cleanup EXIT

# One cookie secret for all processes: Streamlit's own advice for replicas (signed cookies stay valid
# whichever process checks them). Given through the environment, so it does not show in `ps`.
STREAMLIT_SERVER_COOKIE_SECRET=${STREAMLIT_SERVER_COOKIE_SECRET:-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')}
export STREAMLIT_SERVER_COOKIE_SECRET

for ((i = 0; i < N; i++)); do
  port=$((BACKEND_PORT + i))
  LOGS+=("$RUN_DIR/streamlit-$((i + 1)).log")
  "$PY" -m streamlit run app.py \
    --server.address 127.0.0.1 --server.port "$port" --server.headless true \
    --browser.gatherUsageStats false --server.fileWatcherType none \
    >"${LOGS[i]}" 2>&1 &
  PIDS+=($!)
  NAMES+=("Streamlit process $((i + 1)) on 127.0.0.1:$port")
done

# Wait (at most 120 s: N processes start at once on a small machine) until every process is healthy.
health() { "$PY" -c 'import sys, urllib.request
try:
    sys.exit(urllib.request.urlopen(sys.argv[1], timeout=2).status != 200)
except OSError:
    sys.exit(1)' "$1"; }
for ((i = 0; i < N; i++)); do
  port=$((BACKEND_PORT + i))
  deadline=$((SECONDS + 120))
  until health "http://127.0.0.1:$port/_stcore/health"; do
    if ! kill -0 "${PIDS[i]}" 2>/dev/null; then
      echo "serve_class.sh: ${NAMES[i]} exited during start-up. Its log:" >&2
      tail -n 30 "${LOGS[i]}" >&2
      exit 1
    fi
    if ((SECONDS > deadline)); then
      echo "serve_class.sh: ${NAMES[i]} did not answer /_stcore/health within 120 s. Its log:" >&2
      tail -n 30 "${LOGS[i]}" >&2
      exit 1
    fi
    sleep 0.2
  done
done

CFG=$RUN_DIR/haproxy.cfg
{
  cat <<EOF
# Generated by scripts/serve_class.sh; removed when it stops.
global
    maxconn 4096

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    # An open tab keeps one websocket (/_stcore/stream); once upgraded, this timeout applies to it.
    # Streamlit pings it, so an hour only ends a connection that is really dead; the page reconnects
    # by itself (to the same process, by its cookie).
    timeout tunnel 1h
    timeout client-fin 30s
    timeout http-request 10s
    timeout queue 30s

frontend nnviz
    bind ${BIND}:${PORT}
    default_backend streamlit

backend streamlit
    balance leastconn
    # Sticky sessions: the session, its websocket and its uploads live in one process.
    cookie SERVERID insert indirect nocache httponly attr "SameSite=Lax"
    option httpchk
    http-check send meth GET uri /_stcore/health
    http-check expect status 200
    default-server check inter 2s fall 3 rise 2
EOF
  for ((i = 0; i < N; i++)); do
    echo "    server s$((i + 1)) 127.0.0.1:$((BACKEND_PORT + i)) cookie s$((i + 1))"
  done
  if [ -n "$STATS_PORT" ]; then
    printf '\nfrontend stats\n    bind 127.0.0.1:%s\n    stats enable\n    stats uri /\n    stats refresh 5s\n' "$STATS_PORT"
  fi
} >"$CFG"

"$HAPROXY" -c -q -f "$CFG" || { echo "serve_class.sh: HAProxy refused the generated config $CFG (above)" >&2; exit 1; }
# -db: stay in the foreground (no daemon), so this script owns it and stops it.
LOGS+=("$RUN_DIR/haproxy.log")
"$HAPROXY" -db -f "$CFG" >"${LOGS[N]}" 2>&1 &
PIDS+=($!)
NAMES+=("HAProxy on ${BIND}:${PORT}")

echo "nnviz: $N Streamlit process(es) on 127.0.0.1:$BACKEND_PORT…$((BACKEND_PORT + N - 1)) behind HAProxy on http://${BIND}:${PORT}"
[ -z "$STATS_PORT" ] || echo "nnviz: sessions per process: http://127.0.0.1:${STATS_PORT}/"
echo "nnviz: config and logs in $RUN_DIR; Ctrl-C stops everything."

# Runs until a signal arrives (the trap stops everything) or one process stops by itself.
set +e
wait -n "${PIDS[@]}"
status=$?
set -e
for i in "${!PIDS[@]}"; do
  if ! kill -0 "${PIDS[i]}" 2>/dev/null; then
    echo "serve_class.sh: ${NAMES[i]} stopped (exit status $status); stopping the rest. Its log ends:" >&2
    tail -n 30 "${LOGS[i]}" >&2 || true
  fi
done
exit 1
