"""Sign + verify throughput of the product path on one core.

Each iteration builds the credential of a real certificate from the database (a fresh
holder salt each time, so every credential is distinct), signs it with the issuer's
stored key (decrypted each time) and verifies it with ``credential_check`` (keys and
status lists resolved from the database). Nothing is written. Needs one certificate
(``load_demo`` issues one).
"""

import os
import platform
import statistics
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from certification.credentials.documents import certificate_credential_build
from certification.credentials.issuer import issuer_key_active, issuer_private_key
from certification.credentials.vc import credential_sign, identity_salt_new
from certification.credentials.verification import credential_check
from certification.models import Certificate


class Command(BaseCommand):
    help = "Benchmark signing plus verifying certificates' credentials (product path)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-n", "--count", type=int, default=500)
        parser.add_argument("-r", "--repeat", type=int, default=3)
        parser.add_argument("--cpu", type=int, default=None, help="pin to this core")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["cpu"] is not None and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {options["cpu"]})
        certificate = (
            Certificate.objects.select_related(
                "certification__level", "certification__domain", "holder"
            )
            .order_by("-issued_at")
            .first()
        )
        if certificate is None:
            raise CommandError("no certificate: run load_demo first")
        count = options["count"]
        rates = []
        self._once(certificate)  # warm up: contexts, memos, connection
        for _ in range(options["repeat"]):
            started = time.perf_counter()
            for _ in range(count):
                self._once(certificate)
            rates.append(count / (time.perf_counter() - started))
        runs = ", ".join(f"{rate:.1f}" for rate in rates)
        self.stdout.write(
            f"sign + verify (product path, {connection.vendor}), {count} credentials x "
            f"{len(rates)} runs, cpu {options['cpu']}: median "
            f"{statistics.median(rates):.1f} credentials/s (runs: {runs}); "
            f"Python {platform.python_version()} on {platform.machine()}, "
            f"{os.cpu_count()} CPUs visible"
        )

    @staticmethod
    def _once(certificate: Certificate) -> None:
        certificate.holder_salt = identity_salt_new()
        key = issuer_key_active()
        signed = credential_sign(
            document=certificate_credential_build(certificate),
            private_key=issuer_private_key(key),
            verification_method=key.key_url,
        )
        report = credential_check(document=signed)
        if not report.valid:
            raise CommandError(f"benchmark credential did not verify: {report.to_json()}")
