"""The benchmark script keeps working (its figures are in docs/credentials.md)."""

from __future__ import annotations

from certification.bench import credentials as bench


def test_bench_signs_and_verifies() -> None:
    assert bench.run(5) > 0
