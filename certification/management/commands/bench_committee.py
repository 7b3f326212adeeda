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
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.utils import timezone

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
from core.roles import Role
from grading.models import Submission

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

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_committee needs PostgreSQL: set DATABASE_URL.")
        name = f"{connection.settings_dict['NAME']}_bench_committee"
        connection.settings_dict.setdefault("TEST", {})["NAME"] = name
        settings.PRIVATE_STORAGE_DIR = tempfile.mkdtemp(prefix="bench-committee-")
        setup_test_environment()  # the test client's host, in-memory e-mail
        self.stdout.write(f"scratch database {name}: creating and migrating…")
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            loaded = self._load(options)
            self._measure(options, loaded)
        finally:
            if not options["keep"]:
                connection.creation.destroy_test_db(name, verbosity=0)

    # --- data ---

    def _load(self, options: Any) -> dict[str, Any]:
        rng = random.Random(options["seed"])  # noqa: S311 - test data, not secrets
        started = time.perf_counter()
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
        self.stdout.write(
            f"loaded {count} applications, {options['components']} component results in "
            f"{time.perf_counter() - started:.1f} s"
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
        client = Client()
        client.force_login(loaded["committee"])
        n = options["requests"]
        self.stdout.write(
            f"{n} requests per page after 5 warm-up; PostgreSQL "
            f"{connection.cursor().connection.info.server_version}, Python "
            f"{platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}"
        )
        self.stdout.write(f"{'page':28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
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
            self.stdout.write(
                f"{label:28} {statistics.median(timings):8.1f} {p95:8.1f} "
                f"{timings[-1]:8.1f} {len(queries):8d}"
            )
