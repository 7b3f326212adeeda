"""The operator commands, on the real engine."""

from __future__ import annotations

import json
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from sandbox.images.builder import image_tag

pytestmark = pytest.mark.docker


def _sandbox_run(script: Path, *args: str) -> str:
    out = StringIO()
    call_command("sandbox_run", str(script), *args, stdout=out)
    return out.getvalue()


def test_sandbox_run_json_ok(tmp_path: Path, sandbox_image: str) -> None:
    script = tmp_path / "hello.py"
    script.write_text("open('result.txt', 'w').write('x')\nprint('hi')\n")

    report = json.loads(_sandbox_run(script, "--json", "--time", "20", "--memory", "256"))

    assert report["verdict"] == "ok"
    assert report["exit_code"] == 0
    assert report["stdout"] == "hi\n"
    assert report["stderr"] == ""
    assert report["wall_seconds"] > 0
    assert report["peak_memory_mb"] > 0
    assert report["output_files"] == ["result.txt"]


def test_sandbox_run_json_reports_failures_without_failing(
    tmp_path: Path, sandbox_image: str
) -> None:
    script = tmp_path / "loop.py"
    script.write_text("while True: pass\n")

    report = json.loads(_sandbox_run(script, "--json", "--time", "1", "--pids", "16"))

    assert report["verdict"] == "time_limit"


def test_sandbox_run_output_cap(tmp_path: Path, sandbox_image: str) -> None:
    script = tmp_path / "flood.py"
    script.write_text("while True: print('y' * 1000)\n")

    report = json.loads(_sandbox_run(script, "--json", "--output-mb", "0.01"))

    assert report["verdict"] == "output_limit"
    assert len(report["stdout"]) == int(0.01 * 1024 * 1024)


def test_sandbox_run_text(tmp_path: Path, sandbox_image: str) -> None:
    script = tmp_path / "hello.py"
    script.write_text("print('plain')\n")

    text = _sandbox_run(script)

    assert "verdict:        ok" in text
    assert "plain" in text


def test_build_sandbox_image_is_a_no_op_when_up_to_date(sandbox_image: str) -> None:
    out = StringIO()
    call_command("build_sandbox_image", "--framework", "pytorch", stdout=out, stderr=StringIO())

    assert out.getvalue().strip() == sandbox_image == image_tag("pytorch")


def test_sandbox_janitor_command() -> None:
    out = StringIO()
    call_command("sandbox_janitor", "--max-age", "86400", stdout=out)

    assert "removed" in out.getvalue()


MEASURE_KEYS = {"measure", "ours", "baseline", "unit", "ratio", "target", "held"}


def test_sandbox_benchmark_json_prints_exactly_one_measures_object(
    sandbox_image: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The contract `manage.py benchmark` reads. The baseline's `docker run` CLI cannot
    pass the socket proxy the tests go through, so it is stood in for here."""
    from sandbox.management.commands import sandbox_benchmark

    monkeypatch.setattr(sandbox_benchmark._Bench, "bare_once", lambda self: time.sleep(0.2))
    out, err = StringIO(), StringIO()
    call_command(
        "sandbox_benchmark", "--json", "--runs", "1", "--throughput-runs", "2",
        stdout=out, stderr=err,
    )  # fmt: skip

    report = json.loads(out.getvalue())
    assert set(report) == {"measures"}
    names = [m["measure"] for m in report["measures"]]
    assert names[:2] == ["sandbox fresh run", "sandbox pooled run"]
    for row in report["measures"]:
        assert set(row) == MEASURE_KEYS
        assert isinstance(row["ours"], float | int) and row["ours"] > 0
        assert isinstance(row["held"], bool)
    pooled = report["measures"][1]
    assert pooled["baseline"] is not None and pooled["unit"] == "s"
    assert pooled["ratio"] == round(pooled["ours"] / pooled["baseline"], 3)
    assert pooled["target"] == "≤ 0.35"
    assert "sandbox pooled run" in err.getvalue()
