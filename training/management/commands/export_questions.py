"""python manage.py export_questions --bank SLUG --format gift|moodle-xml [--output FILE]"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from training import interchange
from training.models import QuestionBank
from training.services.interchange import questions_export


class Command(BaseCommand):
    help = "Export the latest version of every question in a bank as GIFT or Moodle XML."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bank", required=True, help="slug of the question bank")
        parser.add_argument("--format", required=True, choices=interchange.EXPORT_FORMATS)
        parser.add_argument("--output", type=Path, help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        bank = QuestionBank.objects.filter(slug=options["bank"]).first()
        if bank is None:
            raise CommandError(f"no question bank with slug {options['bank']!r}")
        text = questions_export(bank=bank, format=options["format"])
        output: Path | None = options["output"]
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"cannot write {output}: {error.strerror}") from None
        self.stderr.write(f"wrote {output}")
