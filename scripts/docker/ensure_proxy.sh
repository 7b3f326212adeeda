#!/usr/bin/env bash
# Make sure the sandbox's Docker socket proxy (sandbox/proxy) answers on
# $SANDBOX_PROXY_SOCKET (default /run/cert-engine/docker-proxy.sock). Idempotent: does
# nothing when a proxy started from this checkout answers; otherwise (none, or one
# started from another checkout, whose allowed bind roots are that checkout's) starts
# `manage.py sandbox_proxy` in the background (log: $SANDBOX_PROXY_LOG, default
# var/docker-proxy.log) and waits for it. Workers and tests then use
# DOCKER_HOST=unix://$SANDBOX_PROXY_SOCKET.
set -euo pipefail
cd "$(dirname "$0")/../.."

sock="${SANDBOX_PROXY_SOCKET:-/run/cert-engine/docker-proxy.sock}"
log="${SANDBOX_PROXY_LOG:-var/docker-proxy.log}"
PY="${PY:-.venv/bin/python}"

owner="$sock.checkout"  # the checkout the running proxy was started from, and its pid
here="$(pwd -P)"

answers() { curl -sf --max-time 5 --unix-socket "$sock" http://docker/_ping >/dev/null 2>&1; }

if answers && [ -f "$owner" ] && [ "$(head -n 1 "$owner")" = "$here" ]; then
    exit 0
fi
if [ -f "$owner" ]; then
    old_pid="$(sed -n 2p "$owner")"
    if [ -n "$old_pid" ] && kill -0 "$old_pid" 2>/dev/null; then
        echo "ensure_proxy.sh: replacing the proxy of $(head -n 1 "$owner")" >&2
        kill "$old_pid" 2>/dev/null || true
        sleep 1
    fi
fi
mkdir -p "$(dirname "$log")" "$(dirname "$sock")"
echo "ensure_proxy.sh: starting the Docker socket proxy on $sock (log: $log)" >&2
nohup "$PY" manage.py sandbox_proxy --listen "$sock" >>"$log" 2>&1 &
printf '%s\n%s\n' "$here" "$!" >"$owner"
for _ in $(seq 1 20); do
    if answers; then
        exit 0
    fi
    sleep 0.5
done
echo "ensure_proxy.sh: the proxy did not answer on $sock; last log lines:" >&2
tail -n 20 "$log" >&2 || true
exit 1
