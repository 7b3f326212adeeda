from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from certification.demo import demo_load


class Command(BaseCommand):
    help = "Loads the demo programme, content and accounts. Safe to run twice."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Refusing to load demo accounts on a production site.")
        summary = demo_load()
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Accounts (username / password):"))
        for username, password, role in summary["accounts"]:  # type: ignore[attr-defined]
            self.stdout.write(f"  {role:<10} {username:<11} {password}")
