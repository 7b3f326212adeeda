"""p95 of the committee's review queue and results table at scale.

Creates a scratch PostgreSQL database (``<NAME>_bench_committee``, migrated from
scratch, dropped afterwards unless ``--keep``), loads the demo programme, then
10,000 applications (half submitted, half approved, across the nine
certifications, with eligibility rules, certificates and conflict declarations) and
100,000 component results (graded written attempts and scored practical
submissions of the approved applications). Each page is requested through Django's
test client as a committee member, with warm-up; the report gives p50/p95/max and
the number of queries per request. Never touches the configured database's data.

Long: loading the scale data set is one bulk scenario, kept in one place to read.
"""

import os
import platform
import random
import statistics
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certification.bench.clients import client_environment_setup, signed_in
from certification.demo.programme import demo_load
from certification.models import (
    Application,
    Attempt,
    Certificate,
    Certification,
    EligibilityRule,
    PracticalSubmission,
    TrainingRelation,
)
from core.benchmarks import (
    CURRENT_DATABASE_HELP,
    Measure,
    benchmark_database,
    measures_json,
)
from core.roles import Role
from grading.models import Submission

TARGET_MS = 200.0  # p95 with 10,000 applications and 100,000 component results
PAGES = [
    ("review queue", "/committee/applications/"),
    ("review queue, page 40", "/committee/applications/?page=40"),
    ("review queue, filtered", "/committee/applications/?domain=cv&eligibility=ineligible"),
    ("review queue API", "/api/v1/review/queue/?level=advanced"),
    ("results table", "/committee/results/"),
    ("results table, page 40", "/committee/results/?page=40"),
]


class Command(BaseCommand):
    help = "Benchmark the committee's review queue and results table (scratch PostgreSQL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--applications", type=int, default=10_000)
        parser.add_argument("--components", type=int, default=100_000)
        parser.add_argument("-n", "--requests", type=int, default=100, help="per page")
        parser.add_argument("--keep", action="store_true", help="keep the scratch database")
        parser.add_argument("--seed", type=int, default=6)
        parser.add_argument("--current-database", action="store_true", help=CURRENT_DATABASE_HELP)
        parser.add_argument("--json", action="store_true", help="print the measures as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_committee needs PostgreSQL: set DATABASE_URL.")
        settings.PRIVATE_STORAGE_DIR = tempfile.mkdtemp(prefix="bench-committee-")
        client_environment_setup()  # the test client's host, in-memory e-mail
        if not options["json"]:
            self.stdout.write("scratch database: creating and migrating…")
        with benchmark_database(
            "bench_committee", current=options["current_database"], keep=options["keep"]
        ) as fresh:
            loaded = self._load(options, fresh=fresh)
            self._measure(options, loaded)

    # --- data ---

    def _load(self, options: Any, *, fresh: bool) -> dict[str, Any]:
        rng = random.Random(options["seed"])  # noqa: S311 - test data, not secrets
        started = time.perf_counter()
        if fresh:
            demo_load()
        certifications = list(Certification.objects.select_related("level", "domain"))
        by_key = {(c.level.slug, c.domain.slug): c for c in certifications}
        for (level, domain), certification in by_key.items():
            below = {"intermediate": "beginner", "advanced": "intermediate"}.get(level)
            if below:
                EligibilityRule.objects.get_or_create(
                    certification=certification, required=by_key[(below, domain)]
                )
        User = get_user_model()
        committee = User.objects.get(username="committee")
        count = options["applications"]
        users = User.objects.bulk_create(
            User(username=f"bench{n:06d}", email=f"bench{n}@example.org", password="!")  # noqa: S106 - unusable
            for n in range(count)
        )
        group = Group.objects.get(name=Role.CANDIDATE.value)
        User.groups.through.objects.bulk_create(
            User.groups.through(user_id=u.pk, group_id=group.pk) for u in users
        )
        now = timezone.now()
        apps = []
        for n, user in enumerate(users):
            is_approved = n % 2 == 1
            submitted_at = now - timedelta(minutes=rng.randrange(60 * 24 * 90))
            apps.append(
                Application(
                    candidate=user,
                    certification=certifications[n % len(certifications)],
                    full_name=f"考生 {n}",
                    learning_history="在线课程 " * 20,
                    project_experience="图像分类项目 " * 20,
                    state=Application.State.APPROVED
                    if is_approved
                    else Application.State.SUBMITTED,
                    submitted_at=submitted_at,
                    reviewed_by=committee if is_approved else None,
                    reviewed_at=submitted_at + timedelta(days=1) if is_approved else None,
                )
            )
        Application.objects.bulk_create(apps, batch_size=2000)
        approved = [a for a in apps if a.state == Application.State.APPROVED]
        # Valid certificates for a fifth of the approved (eligibility has something to find).
        Certificate.objects.bulk_create(
            (
                Certificate(
                    application=a,
                    holder_id=a.candidate_id,
                    holder_name=a.full_name,
                    certification=a.certification,
                    written_percent=Decimal(80),
                    practical_percent=Decimal(80),
                    composite=Decimal(80),
                    issued_by=committee,
                    issued_at=now,
                    valid_until=now + timedelta(days=365),
                )
                for a in approved[::5]
            ),
            batch_size=2000,
        )
        TrainingRelation.objects.bulk_create(
            TrainingRelation(
                staff=committee, candidate_id=a.candidate_id, kind="mentor", declared_by=committee
            )
            for a in apps[:50]
        )
        self._components(options["components"], approved, rng, now)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        if not options["json"]:
            self.stdout.write(
                f"loaded {count} applications, {options['components']} component results "
                f"in {time.perf_counter() - started:.1f} s"
            )
        return {"committee": committee}

    def _components(self, total: int, approved: list[Application], rng: Any, now: Any) -> None:
        demo = Certification.objects.get(slug="beginner-cv")
        exam, task = demo.written_exam, demo.practical_task
        if exam is None or task is None:
            raise CommandError("the demo's beginner-cv needs a written exam and a task")
        per_app = max(2, total // max(1, len(approved)))
        attempts, submissions, owners = [], [], []
        made = 0
        for application in approved:
            for k in range(per_app):
                if made >= total:
                    break
                made += 1
                if k % 2 == 0:
                    score = Decimal(rng.randrange(0, 101))
                    attempts.append(
                        Attempt(
                            exam=exam,
                            application=application,
                            candidate_id=application.candidate_id,
                            number=k // 2 + 1,
                            state=Attempt.State.GRADED,
                            seed=rng.randrange(2**62),
                            started_at=now - timedelta(hours=2),
                            deadline=now - timedelta(hours=1),
                            submitted_at=now - timedelta(hours=1),
                            score=score,
                            max_score=Decimal(100),
                        )
                    )
                else:
                    owners.append(application)
                    submissions.append(
                        Submission(
                            task=task,
                            candidate_id=application.candidate_id,
                            file_name="solution.py",
                            sha256="0" * 64,
                            size_bytes=1,
                            state=Submission.State.DONE,
                            test_score=rng.random(),
                            dev_score=rng.random(),
                            passed=True,
                        )
                    )
        Attempt.objects.bulk_create(attempts, batch_size=5000)
        Submission.objects.bulk_create(submissions, batch_size=5000)
        PracticalSubmission.objects.bulk_create(
            [
                PracticalSubmission(submission=s, application=a)
                for s, a in zip(submissions, owners, strict=True)
            ],
            batch_size=5000,
        )

    # --- timing ---

    def _measure(self, options: Any, loaded: dict[str, Any]) -> None:
        client = signed_in(loaded["committee"].username)
        n = options["requests"]
        lines = [
            f"{n} requests per page after 5 warm-up; PostgreSQL "
            f"{connection.cursor().connection.info.server_version}, Python "
            f"{platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}",
            f"{'page':28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}",
        ]
        measures = []
        for label, url in PAGES:
            for _ in range(5):
                response = client.get(url)
                if response.status_code != 200:
                    raise CommandError(f"{url}: HTTP {response.status_code}")
            timings = []
            for _ in range(n):
                started = time.perf_counter()
                client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            timings.sort()
            p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
            lines.append(
                f"{label:28} {statistics.median(timings):8.1f} {p95:8.1f} "
                f"{timings[-1]:8.1f} {len(queries):8d}"
            )
            measures.append(
                Measure(
                    measure=f"committee: {label}, p95 ({options['applications']:,} "
                    f"applications, {options['components']:,} component results)",
                    ours=round(p95, 1),
                    unit="ms",
                    target=f"< {TARGET_MS:.0f} ms",
                    held=p95 < TARGET_MS,
                )
            )
        if options["json"]:
            self.stdout.write(measures_json(measures))
        else:
            self.stdout.write("\n".join(lines))
