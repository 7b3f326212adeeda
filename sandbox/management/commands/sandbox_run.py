"""``manage.py sandbox_run SCRIPT.py``: run one Python script in a fresh sandbox."""

from __future__ import annotations

import json
import shutil
import tempfile
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from sandbox import Limits, Mount, RunSpec, default_image, run
from sandbox.types import MB


class Command(BaseCommand):
    # Needs neither the database nor the other apps: usable while they are broken.
    requires_system_checks: list[str] = []
    help = (
        "Run a Python script in a fresh sandbox (default image: the PyTorch CPU image) and "
        "print the result. The script's directory is not mounted: only the script, "
        "read-only at /work/code, and an empty writable /work/out."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        defaults = Limits()
        parser.add_argument("script", type=Path)
        parser.add_argument("--image", help="image tag (default: the PyTorch CPU image)")
        parser.add_argument("--time", type=float, default=defaults.wall_seconds, help="seconds")
        parser.add_argument("--memory", type=int, default=defaults.memory_mb, help="MB")
        parser.add_argument("--cpus", type=float, default=defaults.cpus)
        parser.add_argument("--pids", type=int, default=defaults.pids)
        parser.add_argument(
            "--output-mb",
            type=float,
            default=defaults.output_bytes / MB,
            help="cap of stdout and of stderr, each, in MB",
        )
        parser.add_argument("--writable-mb", type=int, default=defaults.writable_mb)
        parser.add_argument("--gpus", type=int, choices=(0, 1), default=0)
        parser.add_argument("--backend", choices=("docker", "local", "auto"))
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        script: Path = options["script"]
        if not script.is_file():
            raise CommandError(f"{script} is not a file")
        try:
            limits = Limits(
                wall_seconds=options["time"],
                memory_mb=options["memory"],
                cpus=options["cpus"],
                pids=options["pids"],
                output_bytes=int(options["output_mb"] * MB),
                writable_mb=options["writable_mb"],
                gpus=options["gpus"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        with tempfile.TemporaryDirectory(prefix="sandbox-run-") as tmp:
            code = Path(tmp) / "code"
            out = Path(tmp) / "out"
            code.mkdir(mode=0o755)
            out.mkdir(mode=0o755)
            Path(tmp).chmod(0o755)
            target = code / script.name
            shutil.copyfile(script, target)
            target.chmod(0o644)
            spec = RunSpec(
                image=options["image"] or default_image(),
                command=("python3", f"/work/code/{script.name}"),
                mounts=(Mount(code, "/work/code"), Mount(out, "/work/out", writable=True)),
                workdir="/work/out",
                limits=limits,
                labels={"cert-engine.sandbox.origin": "sandbox_run"},
            )
            result = run(spec, backend=options["backend"])
            outputs = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
        if options["json"]:
            self.stdout.write(json.dumps({**result.as_dict(), "output_files": outputs}))
            return
        self.stdout.write(f"verdict:        {result.verdict}")
        self.stdout.write(f"exit code:      {result.exit_code}")
        self.stdout.write(f"wall seconds:   {result.wall_seconds:.3f}")
        self.stdout.write(f"cpu seconds:    {_fmt(result.cpu_seconds, 3)}")
        self.stdout.write(f"peak memory MB: {_fmt(result.peak_memory_mb, 1)}")
        if result.detail:
            self.stdout.write(f"detail:         {result.detail}")
        if outputs:
            self.stdout.write(f"output files:   {', '.join(outputs)}")
        self.stdout.write("--- stdout ---" + (" (truncated)" if result.stdout_truncated else ""))
        self.stdout.write(result.stdout, ending="")
        self.stdout.write("--- stderr ---" + (" (truncated)" if result.stderr_truncated else ""))
        self.stdout.write(result.stderr, ending="")


def _fmt(value: float | None, digits: int) -> str:
    return "unknown" if value is None else f"{value:.{digits}f}"
