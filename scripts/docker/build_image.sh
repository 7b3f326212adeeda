#!/usr/bin/env bash
# Build an offline sandbox image (Debian rootfs + framework wheels + docker import),
# tagged by the content hash of its inputs; exits at once when that tag exists.
#
#   scripts/docker/build_image.sh [pytorch|tensorflow] [--force]
#
# Environment: PYTHON (default .venv/bin/python), SANDBOX_BUILD_CACHE (default
# /var/cache/cert-engine for root), SANDBOX_DEBIAN_MIRROR (default: the host's apt
# sources), SANDBOX_WHEEL_DIRS (default /opt/wheels). Prints the tag on stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
framework="${1:-pytorch}"
shift || true
python="${PYTHON:-$here/.venv/bin/python}"
if [[ ! -x "$python" ]]; then
    echo "build_image.sh: $python not found; create the virtualenv first" >&2
    exit 1
fi
"$here/scripts/docker/ensure_engine.sh" >&2
exec "$python" -m sandbox.images --framework "$framework" "$@"
