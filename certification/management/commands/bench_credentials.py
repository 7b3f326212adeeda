"""Sign + verify throughput of the product path on one core, beside the library path.

Product path: each iteration builds the credential of a real certificate from the
database (a fresh holder salt each time, so every credential is distinct), signs it
with the issuer's active key (read from the database each time) and verifies it with
``credential_check`` (key and status lists read from the database each time). Nothing
is written. Needs one certificate (``load_demo`` issues one). Measured with
``DEBUG`` off, as in production: with it on (the development default) Django records
and formats every statement, which the product path does not pay in production.

Library path (the baseline, ``certification.bench.credentials``): the same work with
everything in memory, i.e. the cryptography and canonicalisation alone. The two
alternate run by run, so that both see the same machine.
"""

import os
import platform
import statistics
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test.utils import override_settings

from certification.bench.credentials import run as library_run
from certification.bench.credentials import run_timed as library_run_timed
from certification.credentials.documents import certificate_credential_signed
from certification.credentials.vc import identity_salt_new
from certification.credentials.verification import credential_check
from certification.demo.programme import demo_load
from certification.models import Certificate
from core.benchmarks import Measure, benchmark_database, measure_with_baseline, measures_json

TARGET_PER_S = 250.0


class Command(BaseCommand):
    help = "Benchmark signing plus verifying certificates' credentials (product path)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-n", "--count", type=int, default=500)
        parser.add_argument("-r", "--repeat", type=int, default=3)
        parser.add_argument("--cpu", type=int, default=None, help="pin to this core")
        parser.add_argument("--json", action="store_true", help="print the measures as JSON")
        parser.add_argument(
            "--scratch",
            action="store_true",
            help="on a scratch database with the demo data (default: the configured one)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with benchmark_database("bench_credentials", current=not options["scratch"]) as fresh:
            if fresh:
                demo_load()  # issues one certificate
            self._run(options)

    def _run(self, options: dict[str, Any]) -> None:
        pinned = options["cpu"] is not None and hasattr(os, "sched_setaffinity")
        affinity = os.sched_getaffinity(0) if pinned else set()
        if pinned:
            os.sched_setaffinity(0, {options["cpu"]})
        try:
            with override_settings(DEBUG=False):  # no query log, as in production
                self._measure(options)
        finally:
            if pinned:  # the process may go on (manage.py benchmark runs other suites)
                os.sched_setaffinity(0, affinity)

    def _measure(self, options: dict[str, Any]) -> None:
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
        ours, library, ours_cpu, library_cpu = [], [], [], []
        self._once(certificate)  # warm up: contexts, memos, connection
        library_run(20)
        for _ in range(options["repeat"]):
            started, cpu_started = time.perf_counter(), time.process_time()
            for _ in range(count):
                self._once(certificate)
            ours.append(count / (time.perf_counter() - started))
            ours_cpu.append(count / (time.process_time() - cpu_started))
            wall, cpu = library_run_timed(count)
            library.append(wall)
            library_cpu.append(cpu)
        product, baseline = statistics.median(ours), statistics.median(library)
        product_cpu, baseline_cpu = statistics.median(ours_cpu), statistics.median(library_cpu)
        if options["json"]:
            self.stdout.write(
                measures_json(_measures(product, baseline, product_cpu, baseline_cpu))
            )
            return
        self.stdout.write(
            f"sign + verify (product path, {connection.vendor}), {count} credentials x "
            f"{len(ours)} runs, cpu {options['cpu']}: median {product:.1f} credentials/s "
            f"(runs: {_runs(ours)}); library path in the same session: median "
            f"{baseline:.1f}/s (runs: {_runs(library)}); ratio {product / baseline:.2f}. "
            f"Per second of CPU time: product {product_cpu:.1f}/s, library "
            f"{baseline_cpu:.1f}/s, ratio {product_cpu / baseline_cpu:.2f}; "
            f"Python {platform.python_version()} on {platform.machine()}, "
            f"{os.cpu_count()} CPUs visible, load average "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )

    @staticmethod
    def _once(certificate: Certificate) -> None:
        certificate.holder_salt = identity_salt_new()
        signed = certificate_credential_signed(certificate)
        report = credential_check(document=signed)
        if not report.valid:
            raise CommandError(f"benchmark credential did not verify: {report.to_json()}")


def _runs(rates: list[float]) -> str:
    return ", ".join(f"{rate:.1f}" for rate in rates)


def _measures(
    product: float, baseline: float, product_cpu: float, baseline_cpu: float
) -> list[Measure]:
    target = f">= {TARGET_PER_S:.0f}/s on one core"
    return [
        measure_with_baseline(
            measure="credentials: sign + verify, product path, wall clock (baseline: library path)",
            ours=product,
            baseline=baseline,
            unit="credentials/s",
            target=target,
            held=product >= TARGET_PER_S,
        ),
        # This process's CPU time only: what one core of the site spends (the
        # database's share runs on its own server), and steady on a busy machine.
        measure_with_baseline(
            measure="credentials: sign + verify, product path, per second of CPU "
            "time (baseline: library path)",
            ours=product_cpu,
            baseline=baseline_cpu,
            unit="credentials/s",
            target=target,
            held=product_cpu >= TARGET_PER_S,
        ),
    ]
