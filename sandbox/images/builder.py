"""The offline image builder: a Debian root filesystem, framework wheels, ``docker import``.

For hosts without an image registry (this machine, air-gapped exam centres, CI):

1. ``debootstrap --variant=minbase --include=python3 bookworm`` into a tarball, cached
   under the build cache by the hash of its own inputs (so a second build skips it);
2. the framework's pinned wheels installed into ``/usr/local/lib/python3.11/dist-packages``
   with the host's pip (``--target``; the host Python must be 3.11, like bookworm's);
3. a non-root user ``sandbox`` (uid/gid 10001), ``/work``, setuid bits removed, docs,
   man pages, apt lists and C headers stripped;
4. ``docker import`` with ``USER``, ``WORKDIR``, ``ENV`` and labels, tagged
   ``cert-engine/sandbox-<recipe>:<content hash>``.

The content hash covers this file, the recipe's requirements file, the Debian suite,
variant and packages, and the name and SHA-256 of every local wheel the requirements
pin. When an image with that tag exists, ``build_image`` returns at once. Images hold no
secrets: nothing from the host but the wheels and the Debian packages goes in.

Runs without Django: ``python -m sandbox.images.builder --framework pytorch``.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sandbox import conf

HERE = Path(__file__).resolve().parent
SUITE = "bookworm"
VARIANT = "minbase"
DEBIAN_PACKAGES = ("python3",)
PYTHON_SITE = "usr/local/lib/python3.11/dist-packages"
IMAGE_REPOSITORY = "cert-engine/sandbox"
SANDBOX_UID = 10001
ROOTFS_STAGE = "rootfs-v1"


@dataclass(frozen=True)
class Recipe:
    name: str
    requirements: Path
    no_deps: bool


RECIPES = {
    "pytorch": Recipe("pytorch-cpu", HERE / "offline" / "pytorch-cpu.txt", no_deps=True),
    "tensorflow": Recipe("tensorflow-cpu", HERE / "offline" / "tensorflow-cpu.txt", no_deps=False),
}


class ImageBuildError(Exception):
    """The image could not be built; the message says which step failed."""


def cache_dir() -> Path:
    """``SANDBOX_BUILD_CACHE``, else ``$XDG_CACHE_HOME/cert-engine``, else
    ``/var/cache/cert-engine`` for root and ``~/.cache/cert-engine`` otherwise."""
    explicit = os.environ.get("SANDBOX_BUILD_CACHE")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "cert-engine"
    if os.geteuid() == 0:
        return Path("/var/cache/cert-engine")
    return Path.home() / ".cache" / "cert-engine"


def wheel_dirs() -> list[Path]:
    raw = os.environ.get("SANDBOX_WHEEL_DIRS", "/opt/wheels")
    return [Path(p) for p in raw.split(os.pathsep) if p]


def debian_mirror() -> str:
    """``SANDBOX_DEBIAN_MIRROR``, else the first mirror of the host's apt sources that
    serves the main suite (not the security one)."""
    explicit = os.environ.get("SANDBOX_DEBIAN_MIRROR")
    if explicit:
        return explicit
    sources = Path("/etc/apt")
    files = [sources / "sources.list", *sorted((sources / "sources.list.d").glob("*"))]
    for path in files:
        with contextlib.suppress(OSError):
            mirror = _mirror_in(path.read_text(), path.suffix == ".sources")
            if mirror:
                return mirror
    raise ImageBuildError("no Debian mirror found in /etc/apt; set SANDBOX_DEBIAN_MIRROR")


def _mirror_in(text: str, deb822: bool) -> str | None:
    if deb822:
        for stanza in re.split(r"\n\s*\n", text):
            fields: dict[str, str] = {}
            for line in stanza.splitlines():
                if line.startswith("#") or ":" not in line:
                    continue
                key, _, value = line.partition(":")
                fields[key.strip().lower()] = value.strip()
            if (
                "deb" in fields.get("types", "").split()
                and SUITE in fields.get("suites", "").split()
            ):
                uri = fields.get("uris", "").split()
                if uri:
                    return uri[0]
        return None
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) >= 3 and parts[0] == "deb":
            rest = [p for p in parts[1:] if not p.startswith("[")]
            if len(rest) >= 2 and rest[1] == SUITE:
                return rest[0]
    return None


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _pins(requirements: Path) -> list[tuple[str, str]]:
    pins = []
    for line in requirements.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, _, version = line.partition("==")
            pins.append((_normalize(name), version.strip()))
    return pins


def _sha256_file(path: Path) -> str:
    """SHA-256 of a file, remembered by (path, size, mtime) in the build cache."""
    st = path.stat()
    key = f"{path}|{st.st_size}|{st.st_mtime_ns}"
    memo = cache_dir() / "wheel-sha256.json"
    known: dict[str, str] = {}
    with contextlib.suppress(OSError, ValueError):
        known = json.loads(memo.read_text())
    if key in known:
        return known[key]
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    known[key] = digest.hexdigest()
    with contextlib.suppress(OSError):
        memo.parent.mkdir(parents=True, exist_ok=True)
        tmp = memo.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(known, indent=1, sort_keys=True))
        tmp.replace(memo)
    return known[key]


def local_wheels(recipe: Recipe) -> list[Path]:
    """Local wheels whose name and version a requirement pins."""
    pins = set(_pins(recipe.requirements))
    found = []
    for directory in wheel_dirs():
        if not directory.is_dir():
            continue
        for wheel in sorted(directory.glob("*.whl")):
            name, _, rest = wheel.name.partition("-")
            version = rest.split("-", 1)[0]
            if (_normalize(name), version) in pins:
                found.append(wheel)
    return found


def content_hash(recipe: Recipe) -> str:
    digest = hashlib.sha256()
    for part in (
        Path(__file__).read_bytes(),
        recipe.requirements.read_bytes(),
        f"{SUITE}|{VARIANT}|{','.join(DEBIAN_PACKAGES)}|{SANDBOX_UID}".encode(),
    ):
        digest.update(hashlib.sha256(part).digest())
    for wheel in local_wheels(recipe):
        digest.update(f"{wheel.name}|{_sha256_file(wheel)}".encode())
    return digest.hexdigest()


def image_tag(framework: str = "pytorch") -> str:
    recipe = _recipe(framework)
    return f"{IMAGE_REPOSITORY}-{recipe.name}:{content_hash(recipe)[:16]}"


@functools.lru_cache(maxsize=1)
def _default_offline_tag() -> str:
    return image_tag("pytorch")


def default_image() -> str:
    """The PyTorch CPU sandbox image: ``SANDBOX_IMAGE`` when set (hosts with a
    registry), else the offline builder's content-hash tag."""
    return conf.configured_image() or _default_offline_tag()


def _recipe(framework: str) -> Recipe:
    try:
        return RECIPES[framework]
    except KeyError:
        raise ImageBuildError(
            f"unknown framework {framework!r}; one of {sorted(RECIPES)}"
        ) from None


def image_exists(tag: str) -> bool:
    result = subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Id}}", tag],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _run(cmd: list[str], log: Callable[[str], None], **kwargs: object) -> None:
    log("$ " + " ".join(cmd))
    result = subprocess.run(cmd, check=False, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise ImageBuildError(f"{cmd[0]} failed with exit code {result.returncode}")


def rootfs_tarball(log: Callable[[str], None]) -> Path:
    """The debootstrapped root filesystem as a tarball, built once per input hash."""
    key = hashlib.sha256(
        f"{ROOTFS_STAGE}|{SUITE}|{VARIANT}|{','.join(DEBIAN_PACKAGES)}".encode()
    ).hexdigest()[:16]
    tarball = cache_dir() / f"rootfs-{SUITE}-{VARIANT}-{key}.tar"
    if tarball.exists():
        log(f"rootfs: cached {tarball}")
        return tarball
    if shutil.which("debootstrap") is None:
        log("debootstrap is missing: installing Debian's package")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        _run(["apt-get", "update", "-qq"], log, env=env)
        _run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "debootstrap"],
            log,
            env=env,
        )
    if shutil.which("debootstrap") is None:
        raise ImageBuildError("debootstrap is not installed (apt-get install debootstrap)")
    with tempfile.TemporaryDirectory(dir=cache_dir(), prefix="rootfs-") as tmp:
        root = Path(tmp) / "root"
        _run(
            [
                "debootstrap",
                f"--variant={VARIANT}",
                f"--include={','.join(DEBIAN_PACKAGES)}",
                SUITE,
                str(root),
                debian_mirror(),
            ],
            log,
            stdout=subprocess.DEVNULL,
        )
        for leftover in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for item in (root / leftover).glob("*"):
                if item.is_file():
                    item.unlink()
        partial = Path(tmp) / "rootfs.tar"
        _run(["tar", "--numeric-owner", "-C", str(root), "-cf", str(partial), "."], log)
        partial.replace(tarball)
    return tarball


def _strip(root: Path) -> None:
    doc = root / "usr/share/doc"
    if doc.is_dir():
        for path in doc.rglob("*"):
            if path.is_file() and path.name != "copyright":
                path.unlink()
    for name in ("usr/share/man", "usr/share/info", "usr/share/locale", "var/log"):
        target = root / name
        if target.is_dir():
            shutil.rmtree(target)
            target.mkdir(mode=0o755)
    site = root / PYTHON_SITE
    for name in ("bin", "torch/include", "torch/share/cmake", "tensorflow/include"):
        target = site / name
        if target.is_dir():
            shutil.rmtree(target)
    # No setuid/setgid binaries: no-new-privileges makes them useless, and gone is safer.
    for path in root.rglob("*"):
        with contextlib.suppress(OSError):
            st = path.lstat()
            if not path.is_symlink() and st.st_mode & 0o6000:
                path.chmod(st.st_mode & 0o1777)


def _add_user(root: Path) -> None:
    with (root / "etc/passwd").open("a") as fh:
        fh.write(
            f"sandbox:x:{SANDBOX_UID}:{SANDBOX_UID}:cert-engine sandbox:/tmp:/usr/sbin/nologin\n"
        )
    with (root / "etc/group").open("a") as fh:
        fh.write(f"sandbox:x:{SANDBOX_UID}:\n")
    (root / "work").mkdir(mode=0o755, exist_ok=True)
    (root / "tmp").chmod(0o1777)
    python = root / "usr/local/bin/python"
    if not python.exists():
        python.symlink_to("/usr/bin/python3")


def _install_wheels(root: Path, recipe: Recipe, log: Callable[[str], None]) -> None:
    """The recipe's wheels into the image's site-packages, local wheel folders first."""
    pip = [
        sys.executable, "-m", "pip", "install", "--only-binary=:all:",
        "--no-warn-script-location", "--disable-pip-version-check", "--no-input",
        "--target", str(root / PYTHON_SITE), "-r", str(recipe.requirements),
    ]  # fmt: skip
    if recipe.no_deps:
        pip.insert(4, "--no-deps")
    for directory in wheel_dirs():
        if directory.is_dir():
            pip += ["--find-links", str(directory)]
    _run(pip, log)


def _docker_import(
    root: Path, recipe: Recipe, digest: str, tag: str, log: Callable[[str], None]
) -> None:
    """``tar -c root | docker import`` as ``tag``: the sandbox user, /work, labels."""
    changes = [
        f"USER {SANDBOX_UID}:{SANDBOX_UID}",
        "WORKDIR /work",
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "ENV LANG=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1",
        f"LABEL cert-engine.sandbox.image={recipe.name} cert-engine.sandbox.hash={digest}",
        'CMD ["python3"]',
    ]
    tar = subprocess.Popen(
        ["tar", "--numeric-owner", "-C", str(root), "-c", "."], stdout=subprocess.PIPE
    )
    cmd = ["docker", "import", *(f"--change={c}" for c in changes), "-", tag]
    log("$ tar -c rootfs | " + " ".join(cmd))
    imported = subprocess.run(cmd, stdin=tar.stdout, capture_output=True, check=False)
    if tar.stdout is not None:
        tar.stdout.close()
    if tar.wait() != 0 or imported.returncode != 0:
        raise ImageBuildError(f"docker import failed: {imported.stderr.decode(errors='replace')}")


def build_image(
    framework: str = "pytorch", *, force: bool = False, log: Callable[[str], None] = print
) -> str:
    """Build the offline image for ``framework`` unless its tag already exists; return
    the tag. Raises ``ImageBuildError``. Safe to call twice and concurrently (a lock in
    the build cache serialises builds)."""
    recipe = _recipe(framework)
    digest = content_hash(recipe)
    tag = f"{IMAGE_REPOSITORY}-{recipe.name}:{digest[:16]}"
    if not force and image_exists(tag):
        log(f"image {tag} is up to date")
        return tag
    if os.geteuid() != 0:
        raise ImageBuildError("the offline builder needs root (debootstrap, file ownership)")
    if sys.version_info[:2] != (3, 11):
        raise ImageBuildError("run the builder with Python 3.11, the image's Python")
    started = time.monotonic()
    cache_dir().mkdir(parents=True, exist_ok=True)
    with _locked(cache_dir() / "build.lock"):
        if not force and image_exists(tag):
            log(f"image {tag} was built meanwhile")
            return tag
        tarball = rootfs_tarball(log)
        log(f"rootfs ready after {time.monotonic() - started:.1f}s")
        with tempfile.TemporaryDirectory(dir=cache_dir(), prefix="image-") as tmp:
            root = Path(tmp) / "root"
            root.mkdir()
            _run(["tar", "--numeric-owner", "-C", str(root), "-xpf", str(tarball)], log)
            _install_wheels(root, recipe, log)
            log(f"wheels installed after {time.monotonic() - started:.1f}s")
            _add_user(root)
            _strip(root)
            _docker_import(root, recipe, digest, tag, log)
    log(f"built {tag} in {time.monotonic() - started:.1f}s")
    return tag


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--framework", choices=sorted(RECIPES), default="pytorch")
    parser.add_argument("--force", action="store_true", help="rebuild even if the tag exists")
    parser.add_argument("--print-tag", action="store_true", help="print the tag and exit")
    args = parser.parse_args(argv)
    try:
        if args.print_tag:
            print(image_tag(args.framework))
            return 0
        tag = build_image(args.framework, force=args.force, log=lambda m: print(m, file=sys.stderr))
    except ImageBuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(tag)
    return 0


if __name__ == "__main__":
    sys.exit(main())
