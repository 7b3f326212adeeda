"""Private storage through STORAGES["private"], and the worker's cache of verified
files. The "bucket" is a FileSystemStorage at one temporary folder and the cache
another, so the code takes the remote path: download, verify, cache, evict."""

import hashlib
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from core import file_cache, private_storage
from core.file_cache import CacheCorrupt, cache_evict, cached_files, entry_key
from core.private_storage import private_is_local, private_save

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def bucket(settings: Any, tmp_path: Path) -> Path:
    """A remote-looking private storage: a folder that is not PRIVATE_STORAGE_DIR."""
    folder = tmp_path / "bucket"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder), "allow_overwrite": True},
        },
    }
    settings.SANDBOX_CACHE_DIR = tmp_path / "cache"
    return folder


def put(name: str, data: bytes) -> str:
    private_save(name, data)
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names the cache fetched from the storage."""
    fetched: list[str] = []
    real = file_cache.private_copy_to

    def counting(name: str, handle: Any) -> str:
        fetched.append(name)
        return real(name, handle)

    monkeypatch.setattr(file_cache, "private_copy_to", counting)
    return fetched


def test_default_storage_is_the_private_folder_and_used_in_place(settings: Any) -> None:
    assert private_is_local()
    private_save("probe/a.txt", b"x")
    assert (Path(settings.PRIVATE_STORAGE_DIR) / "probe/a.txt").read_bytes() == b"x"
    assert (Path(settings.PRIVATE_STORAGE_DIR) / "probe/a.txt").stat().st_mode & 0o077 == 0


def test_a_fetch_is_verified_cached_and_hit_the_second_time(
    bucket: Path, downloads: list[str], settings: Any
) -> None:
    assert not private_is_local()
    files = {"a.npy": put("v1/a.npy", b"A" * 100), "sub/b.txt": put("v1/sub/b.txt", b"B")}
    with cached_files(files=files, prefix="v1") as folder:
        assert (folder / "a.npy").read_bytes() == b"A" * 100
        assert (folder / "sub/b.txt").read_bytes() == b"B"
        assert oct((folder / "a.npy").stat().st_mode & 0o777) == "0o644"
        first = folder.stat().st_ino
    with cached_files(files=files, prefix="v1") as folder:
        assert folder.stat().st_ino == first
    assert downloads == ["v1/a.npy", "v1/sub/b.txt"]  # once, not twice
    assert folder == Path(settings.SANDBOX_CACHE_DIR) / "entries" / entry_key(files)
    assert list((Path(settings.SANDBOX_CACHE_DIR) / "tmp").iterdir()) == []


def test_a_tampered_object_is_refused_and_nothing_is_cached(bucket: Path, settings: Any) -> None:
    files = {"y.npy": put("v2/y.npy", b"labels")}
    (bucket / "v2/y.npy").write_bytes(b"forged")
    with pytest.raises(CacheCorrupt, match=r"v2/y\.npy"), cached_files(files=files, prefix="v2"):
        pytest.fail("a tampered file was handed out")
    cache = Path(settings.SANDBOX_CACHE_DIR)
    assert list((cache / "entries").iterdir()) == []
    assert list((cache / "tmp").iterdir()) == []


def test_a_missing_object_raises_and_caches_nothing(bucket: Path, settings: Any) -> None:
    with pytest.raises(FileNotFoundError), cached_files(files={"x": "0" * 64}, prefix="gone"):
        pass
    assert list((Path(settings.SANDBOX_CACHE_DIR) / "entries").iterdir()) == []


def test_least_recently_used_entries_not_in_use_are_evicted(bucket: Path, settings: Any) -> None:
    settings.SANDBOX_CACHE_MAX_BYTES = 250
    a = {"f": put("a/f", b"a" * 100)}
    b = {"f": put("b/f", b"b" * 100)}
    c = {"f": put("c/f", b"c" * 100)}
    entries = Path(settings.SANDBOX_CACHE_DIR) / "entries"
    with cached_files(files=a, prefix="a"):
        pass
    time.sleep(0.05)  # file times have a coarse clock
    with cached_files(files=b, prefix="b"):
        pass
    time.sleep(0.05)
    os.utime(entries / entry_key(a))  # a used again: b is now the oldest
    time.sleep(0.05)
    with cached_files(files=c, prefix="c"):
        pass
    assert {p.name for p in entries.iterdir()} == {entry_key(a), entry_key(c)}
    # An entry in use is never evicted, even when the cache is over its bound.
    with cached_files(files=a, prefix="a"):
        assert cache_evict(max_bytes=0) == [entry_key(c)]
        assert (entries / entry_key(a)).is_dir()
    assert cache_evict(max_bytes=0) == [entry_key(a)]


def _fetch_slowly(files: dict[str, str], log: str) -> None:
    real = file_cache.private_copy_to

    def slow(name: str, handle: Any) -> str:
        with open(log, "a") as out:
            out.write(f"{os.getpid()}\n")
        time.sleep(0.5)
        return real(name, handle)

    file_cache.private_copy_to = slow  # type: ignore[assignment]
    with cached_files(files=files, prefix="shared") as folder:
        assert (folder / "model.bin").read_bytes() == b"m" * 1000


def test_two_processes_fetching_one_object_download_it_once(
    bucket: Path, settings: Any, tmp_path: Path
) -> None:
    files = {"model.bin": put("shared/model.bin", b"m" * 1000)}
    log = tmp_path / "downloads.log"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_fetch_slowly, args=(files, str(log))) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert [worker.exitcode for worker in workers] == [0, 0]
    assert len(log.read_text().split()) == 1  # one download, the other waited
    cache = Path(settings.SANDBOX_CACHE_DIR)
    assert [p.name for p in (cache / "entries").iterdir()] == [entry_key(files)]
    assert list((cache / "tmp").iterdir()) == []


def test_two_threads_fetching_one_object_give_one_file(
    bucket: Path, downloads: list[str], settings: Any
) -> None:
    files = {"model.bin": put("t/model.bin", b"t" * 1000)}
    seen: list[int] = []

    def fetch() -> None:
        with cached_files(files=files, prefix="t") as folder:
            seen.append((folder / "model.bin").stat().st_ino)

    threads = [threading.Thread(target=fetch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(seen) == 4 and len(set(seen)) == 1
    assert downloads == ["t/model.bin"]


def test_s3_backend_is_built_from_the_environment_without_network() -> None:
    code = (
        "import django; django.setup(); "
        "from core.private_storage import private_storage, private_is_local; "
        "s = private_storage(); "
        "print('|'.join(map(str, [type(s).__module__, type(s).__name__, s.bucket_name, "
        "s.endpoint_url, s.region_name, s.location, s.default_acl, s.file_overwrite, "
        "s.object_parameters, s.access_key, private_is_local()])))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRIVATE_", "DJANGO_", "AWS_"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PRIVATE_STORAGE_BACKEND": "s3",
        "PRIVATE_S3_BUCKET": "cert-private",
        "PRIVATE_S3_PREFIX": "site-a",
        "PRIVATE_S3_ENDPOINT_URL": "https://objects.example.invalid",
        "PRIVATE_S3_REGION": "eu-west-3",
        "PRIVATE_S3_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "PRIVATE_S3_SECRET_ACCESS_KEY": "not-a-secret",
        "PRIVATE_S3_SSE": "aws:kms",
        "PRIVATE_S3_KMS_KEY_ID": "key-1",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().split("|") == [
        "storages.backends.s3",
        "S3Storage",
        "cert-private",
        "https://objects.example.invalid",
        "eu-west-3",
        "site-a",
        "private",
        "True",
        "{'ServerSideEncryption': 'aws:kms', 'SSEKMSKeyId': 'key-1'}",
        "AKIDEXAMPLE",
        "False",
    ]


@pytest.mark.parametrize(
    "env,message",
    [
        ({"PRIVATE_STORAGE_BACKEND": "ftp"}, "PRIVATE_STORAGE_BACKEND"),
        ({"PRIVATE_STORAGE_BACKEND": "s3"}, "PRIVATE_S3_BUCKET"),
        ({"PRIVATE_STORAGE_BACKEND": "s3", "PRIVATE_S3_BUCKET": "b", "PRIVATE_S3_SSE": "x"}, "SSE"),
    ],
)
def test_bad_storage_settings_stop_start_up(env: dict[str, str], message: str) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PRIVATE_", "DJANGO_"))}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and message in result.stderr


def test_nothing_asks_the_private_storage_for_a_url() -> None:
    sources = [p for folder in ("core", "training", "grading", "certification")
               for p in (ROOT / folder).rglob("*.py")]  # fmt: skip
    offenders = [
        str(p.relative_to(ROOT))
        for p in sources
        if "private_storage().url" in p.read_text() or 'storages["private"].url' in p.read_text()
    ]
    assert offenders == []
    assert not hasattr(private_storage, "private_url")
