#!/usr/bin/env bash
# Starts what the tests need and is not running yet: PostgreSQL and Redis (when
# installed), the Docker engine (installing Debian's docker.io when missing), and
# Debian's Chromium for the browser tests. Idempotent and quiet when all is up.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  fi
fi
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null; then
    echo "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  fi
fi
for i in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
redis-cli -h 127.0.0.1 ping >/dev/null || { echo "Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }

if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium for the browser tests"
  apt_install chromium chromium-driver
fi
command -v msgfmt >/dev/null || apt_install gettext
# npm installs axe-core, which the browser tests inject into pages (package-lock.json).
command -v npm >/dev/null || apt_install npm
# The backup tests run pg_dump and pg_restore (Debian installs them with the server).
command -v pg_dump >/dev/null || apt_install postgresql-client
command -v debootstrap >/dev/null || apt_install debootstrap
# The certificate PDF embeds this CJK font (reportlab cannot embed Noto CJK outlines).
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || apt_install fonts-wqy-zenhei
# Practical tasks: espeak-ng synthesises the spoken-digits demo data; socat and
# redis-server (a private one per test) serve the pipeline's reliability tests.
command -v espeak-ng >/dev/null || apt_install espeak-ng
command -v socat >/dev/null || apt_install socat
command -v redis-server >/dev/null || apt_install redis-server

scripts/docker/ensure_engine.sh
# The sandbox's Docker socket proxy: the tests reach the engine through it.
scripts/docker/ensure_proxy.sh
