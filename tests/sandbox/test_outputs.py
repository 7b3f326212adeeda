"""read_output_files: regular files only, no links followed, sizes capped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sandbox import OutputTooLargeError, UnsafeOutputFileError, read_output_files


def test_reads_nested_regular_files(tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "weights.bin").write_bytes(b"\x00\x01")
    (tmp_path / "predictions.csv").write_text("id,label\n1,7\n")

    files = read_output_files(tmp_path, max_total_bytes=1024, max_files=10)

    assert files == {"model/weights.bin": b"\x00\x01", "predictions.csv": b"id,label\n1,7\n"}


def test_rejects_a_symlink_to_a_secret(tmp_path: Path) -> None:
    secret = tmp_path / "labels.csv"
    secret.write_text("hidden labels")
    out = tmp_path / "out"
    out.mkdir()
    (out / "predictions.csv").symlink_to(secret)

    with pytest.raises(UnsafeOutputFileError, match="symlink"):
        read_output_files(out, max_total_bytes=1024, max_files=10)


def test_rejects_a_symlinked_directory_and_a_symlinked_root(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "sub").symlink_to("/etc")
    with pytest.raises(UnsafeOutputFileError):
        read_output_files(out, max_total_bytes=1 << 20, max_files=100)
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "out")
    with pytest.raises(UnsafeOutputFileError):
        read_output_files(link, max_total_bytes=1 << 20, max_files=100)


def test_rejects_a_fifo_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "predictions.csv")

    with pytest.raises(UnsafeOutputFileError, match="FIFO"):
        read_output_files(tmp_path, max_total_bytes=1024, max_files=10)


def test_rejects_a_hard_link(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("x")
    os.link(tmp_path / "a", tmp_path / "b")

    with pytest.raises(UnsafeOutputFileError, match="hard links"):
        read_output_files(tmp_path, max_total_bytes=1024, max_files=10)


def test_caps_total_size(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"x" * 600)
    (tmp_path / "b").write_bytes(b"x" * 600)

    with pytest.raises(OutputTooLargeError):
        read_output_files(tmp_path, max_total_bytes=1000, max_files=10)


def test_huge_sparse_file_is_refused_before_reading(tmp_path: Path) -> None:
    with (tmp_path / "sparse").open("wb") as fh:
        fh.truncate(1 << 40)  # 1 TiB of nothing

    with pytest.raises(OutputTooLargeError):
        read_output_files(tmp_path, max_total_bytes=1 << 20, max_files=10)


def test_caps_file_count(tmp_path: Path) -> None:
    for i in range(5):
        (tmp_path / f"f{i}").write_text("x")

    with pytest.raises(OutputTooLargeError, match="more than 3"):
        read_output_files(tmp_path, max_total_bytes=1024, max_files=3)
