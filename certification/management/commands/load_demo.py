"""``manage.py load_demo``: the demo accounts, the programme's curricula, banks and
exams, and a cohort of learners. Safe to run twice."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from certification.demo.authenticators import DEMO_TOTP_SECRET
from certification.demo.cohort import demo_cohort_load
from certification.demo.programme import demo_load
from certification.demo.programme_exams import programme_exams_load


class Command(BaseCommand):
    help = "Loads the demo programme, content and accounts. Safe to run twice."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--no-cohort",
            action="store_true",
            help="leave out the 40 learners whose mock exam feeds the item analysis page",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Refusing to load demo accounts on a production site.")
        # Stage lines on stderr: the whole load takes about half a minute.
        self.stderr.write("[1/3] accounts, curricula, banks and task bundles ...")
        summary = demo_load()
        self.stderr.write("[2/3] the programme's written exams ...")
        exams = programme_exams_load(author=User.objects.get(username="instructor"))
        self.stdout.write(f"Programme: {len(exams)} certifications with written exams.")
        if not options["no_cohort"]:
            self.stderr.write("[3/3] a cohort of 40 learners sitting the mock exam ...")
            created = demo_cohort_load()
            if created:
                self.stdout.write(f"Demo cohort: {created} learners sat the mock exam.")
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Accounts (username / password):"))
        for username, password, role in summary["accounts"]:  # type: ignore[attr-defined]
            self.stdout.write(f"  {role:<10} {username:<11} {password}")
        self.stdout.write(
            "Committee, instructor and examiner accounts also ask for a code from an "
            f"authenticator app holding the demo key {DEMO_TOTP_SECRET} (docs/security.md)."
        )
