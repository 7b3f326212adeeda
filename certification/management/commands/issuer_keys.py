"""Operators' view of the issuer's signing keys: list, rotate, revoke.

``issuer_keys list`` · ``issuer_keys rotate --actor USER`` ·
``issuer_keys revoke KEY_URL --reason "..." --actor USER`` (re-signs the status lists
and the certificates that key signed). The actor must be a committee member; the
action is recorded in the audit log.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from certification.credentials.services import issuer_key_replace
from certification.models import IssuerKey
from core.errors import ApplicationError


class Command(BaseCommand):
    help = "List, rotate or revoke the issuer's signing keys."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "rotate", "revoke"])
        parser.add_argument("key_url", nargs="?")
        parser.add_argument("--reason", default="")
        parser.add_argument("--actor", help="username of a committee member")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for key in IssuerKey.objects.order_by("created_at"):
                self.stdout.write(
                    f"{key.state:<8} {key.key_url}  {key.public_multikey}  {key.created_at:%Y-%m-%d}"
                )
            return
        actor = get_user_model().objects.filter(username=options["actor"] or "").first()
        if actor is None:
            raise CommandError("--actor must name a committee member")
        key_id = None
        if options["action"] == "revoke":
            revoked = IssuerKey.objects.filter(key_url=options["key_url"] or "").first()
            if revoked is None:
                raise CommandError("no such key")
            key_id = revoked.pk
        try:
            resigned = issuer_key_replace(actor=actor, key_id=key_id, reason=options["reason"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"done; {resigned} certificate(s) re-signed")
