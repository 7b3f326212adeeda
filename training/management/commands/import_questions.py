"""python manage.py import_questions FILE --format gift|moodle-xml|qti --bank SLUG
[--dry-run] [--skip-bad] [--user USERNAME]

Prints each problem as ``FILE:LINE: reason``. Exit status 1 when problems stopped
the import (nothing imported); with --skip-bad the bad items are listed and the good
ones imported."""

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from training import interchange
from training.interchange import ImportProblems
from training.models import QuestionBank
from training.services.interchange import questions_import


class Command(BaseCommand):
    help = "Import questions from a GIFT, Moodle XML or QTI 2.1 file into a question bank."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", required=True, choices=interchange.IMPORT_FORMATS)
        parser.add_argument("--bank", required=True, help="slug of the question bank")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would be created; change nothing"
        )
        parser.add_argument(
            "--skip-bad", action="store_true", help="import the good items, list the bad ones"
        )
        parser.add_argument("--user", help="username recorded as the items' author")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        bank = QuestionBank.objects.filter(slug=options["bank"]).first()
        if bank is None:
            raise CommandError(f"no question bank with slug {options['bank']!r}")
        author = None
        if options["user"]:
            author = get_user_model().objects.filter(username=options["user"]).first()
            if author is None:
                raise CommandError(f"no user {options['user']!r}")
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        try:
            result = interchange.parse(options["format"], data, skip_bad=options["skip_bad"])
            report = questions_import(
                bank=bank,
                drafts=result.drafts,
                created_by=author,
                dry_run=options["dry_run"],
                categories=result.categories,
                skipped=result.skipped,
            )
        except ImportProblems as error:
            for problem in error.problems:
                self.stderr.write(f"{path}:{problem.line}: {problem.reason}")
            raise CommandError(f"{len(error.problems)} problem(s); nothing was imported") from None
        for problem in report.skipped:
            self.stderr.write(f"{path}:{problem.line}: skipped: {problem.reason}")
        verb = "would import" if report.dry_run else "imported"
        for item in report.items:
            where = "/".join(item.category) or "-"
            self.stdout.write(f"{path}:{item.line}: {item.kind} {item.name!r} in {where}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {report.created} question(s) into {bank.slug}; "
                f"{len(report.new_categories)} new categories, {len(report.new_tags)} new tags"
                + (f"; skipped {len(report.skipped)}" if report.skipped else "")
            )
        )
