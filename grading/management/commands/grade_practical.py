"""Grades a solution against a task bundle synchronously, without the database.

    python manage.py grade_practical BUNDLE SUBMISSION [--framework F] [--json]

BUNDLE is a bundle folder, .tar.gz or .zip (validated like an upload); SUBMISSION is
a ``solution.py``, run with ``--framework`` (pytorch or tensorflow: one the task
offers; default the task's own, PyTorch for a task whose framework is "any"). Prints
one JSON report: verdict, message (and its message_code), stages with resources, metric, framework, score
(hidden set), dev_score, the bootstrap interval, pass_threshold, passed. Exits 0
whatever the verdict, 2 when the bundle is refused or does not offer the framework, 3
on an infrastructure failure.
"""

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from grading.evaluation import GradingSpec, practical_evaluate
from grading.messages import message_text
from training.bundles.archive import bundle_extract
from training.bundles.manifest import BundleRefused
from training.bundles.paths import BundlePaths
from training.bundles.validation import bundle_validate
from training.models import Framework


class Command(BaseCommand):
    help = "Grade SUBMISSION (solution.py) against BUNDLE and print a JSON report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bundle", type=Path)
        parser.add_argument("submission", type=Path)
        parser.add_argument(
            "--framework",
            choices=Framework.values,
            help="the framework (sandbox image) to run with; default: the task's own, "
            'pytorch for framework = "any"',
        )
        parser.add_argument("--json", action="store_true", help="print only the JSON report")

    def handle(self, *args: Any, **options: Any) -> None:
        bundle, submission = options["bundle"], options["submission"]
        if not submission.is_file():
            raise CommandError(f"no such file: {submission}")
        work = Path(tempfile.mkdtemp(prefix="grade-practical-"))
        work.chmod(0o755)
        try:
            root = work / "bundle"
            root.mkdir()
            try:
                bundle_extract(bundle, root, max_bytes=1 << 40)
                manifest, _ = bundle_validate(root)
            except BundleRefused as exc:
                self.stderr.write(f"bundle refused: {exc.message}")
                raise SystemExit(2) from exc
            framework = options["framework"] or manifest.frameworks[0]
            if framework not in manifest.frameworks:
                self.stderr.write(
                    f"task {manifest.slug} does not take {framework} solutions "
                    f"(framework = {manifest.framework!r})"
                )
                raise SystemExit(2)
            for path in [root, *root.rglob("*")]:
                path.chmod(0o755 if path.is_dir() else 0o644)
            scratch = work / "scratch"
            scratch.mkdir()
            report = practical_evaluate(
                spec=GradingSpec.from_manifest(manifest, framework=framework),
                bundle=BundlePaths(root),
                solution=submission,
                scratch=scratch,
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)
        output: dict[str, Any] = dict(report)
        output["score"] = output.pop("test_score")
        output["task"] = manifest.slug
        output["message"] = message_text(report["message"])
        output["message_code"] = report["message"]["code"]
        if options["json"]:
            self.stdout.write(json.dumps(output, ensure_ascii=False))
        else:
            self.stdout.write(json.dumps(output, ensure_ascii=False, indent=2))
        if report["verdict"] == "sandbox_error":
            raise SystemExit(3)
