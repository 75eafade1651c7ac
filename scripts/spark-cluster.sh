#!/usr/bin/env bash
# A Spark standalone cluster on this machine, for `legame score --engine spark`: one master
# and two workers, each a JVM of its own, all bound to 127.0.0.1, started from the PySpark
# package itself (nothing is downloaded).
#
#   scripts/spark-cluster.sh up       start them; wait until the master has every worker ALIVE
#   scripts/spark-cluster.sh status   say what runs (exit 0 when up, 3 when not)
#   scripts/spark-cluster.sh down     stop them and wait until they are gone
#
# Settings (environment variables, with their defaults):
#   PYTHON                              the Python with PySpark (.venv/bin/python); executors run it too
#   LEGAME_SPARK_CLUSTER_DIR            pids, logs, work folders (${TMPDIR:-/tmp}/legame-spark-cluster)
#   LEGAME_SPARK_MASTER_PORT            7077
#   LEGAME_SPARK_MASTER_WEBUI_PORT      8080 (its /json tells the workers' state)
#   LEGAME_SPARK_WORKER_WEBUI_PORT      8081, the next worker 8082, ...; 0: any free port
#   LEGAME_SPARK_WORKERS                2
#   LEGAME_SPARK_WORKER_CORES           1 per worker
#   LEGAME_SPARK_WORKER_MEMORY          2g per worker (what its executors may take)
#   LEGAME_SPARK_UP_TIMEOUT             90 seconds for `up` to see every worker ALIVE
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-$here/../.venv/bin/python}"
state="${LEGAME_SPARK_CLUSTER_DIR:-${TMPDIR:-/tmp}/legame-spark-cluster}"
master_port="${LEGAME_SPARK_MASTER_PORT:-7077}"
master_ui_port="${LEGAME_SPARK_MASTER_WEBUI_PORT:-8080}"
worker_ui_port="${LEGAME_SPARK_WORKER_WEBUI_PORT:-8081}"
workers="${LEGAME_SPARK_WORKERS:-2}"
cores="${LEGAME_SPARK_WORKER_CORES:-1}"
memory="${LEGAME_SPARK_WORKER_MEMORY:-2g}"
timeout="${LEGAME_SPARK_UP_TIMEOUT:-90}"

die() {
    echo "spark-cluster: $*" >&2
    exit 1
}

# A pid from a pid file that is still one of this cluster's JVMs (not a reused pid).
live_pid() {
    local file="$state/$1.pid" pid
    [ -f "$file" ] || return 1
    pid="$(cat "$file")"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    ps -ww -o args= -p "$pid" 2>/dev/null | grep -q "org.apache.spark.deploy" || return 1
    echo "$pid"
}

names() {
    echo master
    for i in $(seq 1 "$workers"); do echo "worker-$i"; done
}

# The master URL and web UI port of the running cluster (saved by `up`), or of the settings.
load_saved() {
    if [ -f "$state/cluster.env" ]; then
        # shellcheck disable=SC1091
        . "$state/cluster.env"
    fi
    master_url="${saved_master_url:-spark://127.0.0.1:$master_port}"
    master_ui_port="${saved_master_ui_port:-$master_ui_port}"
    workers="${saved_workers:-$workers}"
}

# How many workers the master's /json reports ALIVE ("" when it does not answer).
alive_workers() {
    "$python" - "$1" <<'EOF' 2>/dev/null || true
import json, sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/json", timeout=3) as answer:
    state = json.load(answer)
print(sum(worker.get("state") == "ALIVE" for worker in state.get("workers", [])))
EOF
}

log_tails() {
    for name in $(names); do
        [ -f "$state/$name.log" ] || continue
        echo "--- last lines of $state/$name.log" >&2
        tail -n 25 "$state/$name.log" >&2
    done
}

start() {
    local name="$1"
    shift
    # setsid + nohup: the JVMs outlive this script and the terminal that ran it.
    # spark-class ends in `exec java ...`, so $! is the JVM's own pid.
    setsid nohup "$spark_home/bin/spark-class" "$@" >"$state/$name.log" 2>&1 </dev/null &
    echo $! >"$state/$name.pid"
}

# Stop the JVMs of the pid files. `stop_all started` trusts every live pid in them (this very
# run started them, some may not have become java yet); else only pids that are Spark JVMs.
stop_all() {
    local pids=() name pid
    for name in $(names); do
        pid=""
        if [ "${1:-}" = started ] && [ -f "$state/$name.pid" ]; then
            pid="$(cat "$state/$name.pid")"
            kill -0 "$pid" 2>/dev/null || pid=""
        else
            pid="$(live_pid "$name")" || pid=""
        fi
        if [ -n "$pid" ]; then
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
        fi
    done
    # Wait until they are gone: 30 s for a clean stop, then kill them.
    for _ in $(seq 1 300); do
        local left=()
        for pid in "${pids[@]}"; do
            kill -0 "$pid" 2>/dev/null && left+=("$pid")
        done
        pids=("${left[@]}")
        [ ${#pids[@]} -eq 0 ] && break
        sleep 0.1
    done
    for pid in "${pids[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    done
    for name in $(names); do rm -f "$state/$name.pid"; done
    rm -f "$state/cluster.env"
}

up() {
    mkdir -p "$state"
    if live_pid master >/dev/null; then
        load_saved
        echo "spark-cluster: already up ($master_url, state in $state)" >&2
        echo "export LEGAME_SPARK_MASTER=$master_url"
        return 0
    fi
    stop_all # workers left over from a master that died
    [ -x "$python" ] || die "no Python at $python (set PYTHON to the one with PySpark)"
    python="$(cd "$(dirname "$python")" && pwd)/$(basename "$python")"
    spark_home="$("$python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')" ||
        die "$python cannot import pyspark: pip install 'legame[spark]'"
    command -v java >/dev/null 2>&1 || [ -n "${JAVA_HOME:-}" ] || die "no java: install Java 17+"
    master_url="spark://127.0.0.1:$master_port"

    export SPARK_HOME="$spark_home"
    export SPARK_LOCAL_IP=127.0.0.1
    export PYSPARK_PYTHON="$python"
    export SPARK_LOCAL_DIRS="$state/local"
    # One try per port: a taken port is an error here, not a silent move to the next one.
    export SPARK_DAEMON_JAVA_OPTS="-Dspark.port.maxRetries=0 ${SPARK_DAEMON_JAVA_OPTS:-}"
    # No REST submission server (port 6066): legame's driver talks to the master's RPC port.
    export SPARK_MASTER_OPTS="-Dspark.master.rest.enabled=false ${SPARK_MASTER_OPTS:-}"
    mkdir -p "$SPARK_LOCAL_DIRS"

    start master org.apache.spark.deploy.master.Master \
        --host 127.0.0.1 --port "$master_port" --webui-port "$master_ui_port"
    for i in $(seq 1 "$workers"); do
        local ui=0
        [ "$worker_ui_port" -ne 0 ] && ui=$((worker_ui_port + i - 1))
        mkdir -p "$state/work-$i"
        start "worker-$i" org.apache.spark.deploy.worker.Worker "$master_url" \
            --host 127.0.0.1 --cores "$cores" --memory "$memory" --webui-port "$ui" \
            --work-dir "$state/work-$i"
    done
    {
        echo "saved_master_url=$master_url"
        echo "saved_master_ui_port=$master_ui_port"
        echo "saved_workers=$workers"
    } >"$state/cluster.env"

    local tries=$((timeout * 2)) alive=""
    for _ in $(seq 1 "$tries"); do
        for name in $(names); do
            # kill -0, not live_pid: a JVM still being launched does not show its class yet
            if ! kill -0 "$(cat "$state/$name.pid")" 2>/dev/null; then
                echo "spark-cluster: the $name stopped while starting" >&2
                log_tails
                stop_all started
                exit 1
            fi
        done
        alive="$(alive_workers "$master_ui_port")"
        [ "${alive:-0}" -ge "$workers" ] && break
        sleep 0.5
    done
    if [ "${alive:-0}" -lt "$workers" ]; then
        echo "spark-cluster: after ${timeout}s the master (http://127.0.0.1:$master_ui_port/json)" \
            "reports ${alive:-no answer} of $workers workers ALIVE" >&2
        log_tails
        stop_all started
        exit 1
    fi
    echo "spark-cluster: up, $workers workers of $cores core(s) and $memory each; web UI" \
        "http://127.0.0.1:$master_ui_port; state in $state" >&2
    echo "export LEGAME_SPARK_MASTER=$master_url"
}

status() {
    load_saved
    local running=0 name pid
    for name in $(names); do
        if pid="$(live_pid "$name")"; then
            echo "$name: running (pid $pid)"
            running=$((running + 1))
        else
            echo "$name: not running"
        fi
    done
    if live_pid master >/dev/null; then
        echo "master: $master_url, $(alive_workers "$master_ui_port") worker(s) ALIVE" \
            "(http://127.0.0.1:$master_ui_port)"
    fi
    [ "$running" -eq $((workers + 1)) ] && return 0
    return 3
}

case "${1:-}" in
up) up ;;
down)
    load_saved
    stop_all
    echo "spark-cluster: down" >&2
    ;;
status) status ;;
*)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
