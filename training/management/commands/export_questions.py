"""python manage.py export_questions --bank SLUG --format gift|moodle-xml|qti [--output FILE]

QTI is a content package (zip) and needs --output."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from training import interchange
from training.models import QuestionBank
from training.services.interchange import questions_export, questions_export_qti


class Command(BaseCommand):
    help = "Export the latest version of every question in a bank as GIFT, Moodle XML or QTI 2.1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bank", required=True, help="slug of the question bank")
        parser.add_argument("--format", required=True, choices=[*interchange.EXPORT_FORMATS, "qti"])
        parser.add_argument("--output", type=Path, help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        bank = QuestionBank.objects.filter(slug=options["bank"]).first()
        if bank is None:
            raise CommandError(f"no question bank with slug {options['bank']!r}")
        output: Path | None = options["output"]
        if options["format"] == "qti":
            if output is None:
                raise CommandError("a QTI export is a zip file: give --output FILE.zip")
            self._write(output, questions_export_qti(bank=bank))
            return
        text = questions_export(bank=bank, format=options["format"])
        if output is None:
            self.stdout.write(text, ending="")
            return
        self._write(output, text.encode("utf-8"))

    def _write(self, output: Path, data: bytes) -> None:
        try:
            output.write_bytes(data)
        except OSError as error:
            raise CommandError(f"cannot write {output}: {error.strerror}") from None
        self.stderr.write(f"wrote {output}")
