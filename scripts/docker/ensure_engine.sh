#!/usr/bin/env bash
# Make sure a Docker engine answers. Idempotent: does nothing when `docker info` works.
# Otherwise installs Debian's docker.io when dockerd is missing, starts
#   dockerd --bridge=none --iptables=false --ip-masq=false
# in the background (log: $DOCKERD_LOG, default /var/log/cert-engine-dockerd.log) and
# waits up to $DOCKERD_WAIT seconds (default 60) for it. Sandboxes never get a network,
# so the engine needs neither a bridge nor iptables.
set -euo pipefail

log="${DOCKERD_LOG:-/var/log/cert-engine-dockerd.log}"
wait_s="${DOCKERD_WAIT:-60}"

answers() { timeout 10 docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && answers; then
    exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
    echo "ensure_engine.sh: no Docker engine answers and starting one needs root" >&2
    exit 1
fi
if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
    echo "ensure_engine.sh: installing docker.io" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends docker.io >/dev/null
fi
if ! pgrep -x dockerd >/dev/null 2>&1; then
    echo "ensure_engine.sh: starting dockerd (log: $log)" >&2
    mkdir -p "$(dirname "$log")"
    nohup dockerd --bridge=none --iptables=false --ip-masq=false >>"$log" 2>&1 &
fi
for _ in $(seq 1 "$wait_s"); do
    if answers; then
        echo "ensure_engine.sh: Docker engine is up" >&2
        exit 0
    fi
    sleep 1
done
echo "ensure_engine.sh: the Docker engine did not answer within ${wait_s}s; last log lines:" >&2
tail -n 30 "$log" >&2 || true
exit 1
