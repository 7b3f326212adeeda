"""Prints a certificate's signed credential JSON: ``export_credential ID|--latest``.

ID is the certificate's code, its credential id (``urn:uuid:…``) or its primary key.
"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from certification.credentials.sharing import credential_ordered
from certification.models import Certificate


class Command(BaseCommand):
    help = "Print the signed Open Badges 3.0 credential of a certificate as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("id", nargs="?", help="certificate code, credential id or pk")
        parser.add_argument("--latest", action="store_true", help="the latest issued one")

    def handle(self, *args: Any, **options: Any) -> None:
        ident: str | None = options["id"]
        if options["latest"] == bool(ident):
            raise CommandError("give exactly one of ID or --latest")
        if options["latest"]:
            certificate = Certificate.objects.order_by("-issued_at", "-pk").first()
        else:
            assert ident is not None
            query = Q(code=ident) | Q(credential_id=ident)
            if ident.isdigit():
                query |= Q(pk=int(ident))
            certificate = Certificate.objects.filter(query).first()
        if certificate is None:
            raise CommandError("no such certificate")
        if not certificate.credential:
            raise CommandError(f"certificate {certificate.code} has no signed credential")
        document = credential_ordered(certificate.credential)
        self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
