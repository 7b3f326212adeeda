"""The study plan's speed: one candidate with 5,000 practice responses, and the nightly
refresh of every enrolled candidate's plan (10,000 candidates).

Creates a scratch PostgreSQL database (``<NAME>_bench_study_plan``, dropped afterwards
unless ``--keep``), loads the demo programme, then simulated candidates of the
intermediate computer vision curriculum: each has a known ability per exam category
and answers practice items drawn from the bank under the Rasch model, so the data
looks like real practice (a few categories weak, most strong). Never touches the
configured database's data.
"""

import os
import platform
import statistics
import tempfile
import time
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certification.demo.programme import demo_load
from certification.demo.programme_exams import programme_exams_load
from certification.learning import plan as plans
from certification.learning.mastery import sigmoid
from certification.models import Enrolment, PracticeResponse
from core.benchmarks import CURRENT_DATABASE_HELP, Measure, benchmark_database, measures_json
from core.roles import Role
from training.models import Curriculum, Question

CURRICULUM = "intermediate-cv"


class Command(BaseCommand):
    help = "Benchmark the study plan: one candidate's plan and the nightly refresh."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--responses", type=int, default=5000, help="of the one candidate")
        parser.add_argument("--candidates", type=int, default=10_000, help="for the night")
        parser.add_argument("--per-candidate", type=int, default=50, help="responses each")
        parser.add_argument("-n", "--repeats", type=int, default=50)
        parser.add_argument("--keep", action="store_true", help="keep the scratch database")
        parser.add_argument("--curriculum", default=CURRICULUM)
        parser.add_argument("--current-database", action="store_true", help=CURRENT_DATABASE_HELP)
        parser.add_argument("--json", action="store_true", help="print the measures as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_study_plan needs PostgreSQL: set DATABASE_URL.")
        settings.PRIVATE_STORAGE_DIR = tempfile.mkdtemp(prefix="bench-plan-")
        if not options["json"]:
            self.stdout.write("scratch database: creating and migrating…")
        with benchmark_database(
            "bench_study_plan", current=options["current_database"], keep=options["keep"]
        ) as fresh:
            self._run(options, fresh=fresh)

    def _run(self, options: Any, *, fresh: bool) -> None:
        if fresh:
            demo_load()
        User = get_user_model()
        curriculum = Curriculum.objects.filter(slug=options["curriculum"]).first()
        if curriculum is None or not plans.exam_categories(curriculum):
            programme_exams_load(author=User.objects.get(username="instructor"))
            curriculum = Curriculum.objects.get(slug=options["curriculum"])
        categories = plans.exam_categories(curriculum)
        rng = np.random.default_rng(13)
        started = time.perf_counter()
        users = self._candidates(options["candidates"] + 1, curriculum)
        counts = [options["responses"]] + [options["per_candidate"]] * options["candidates"]
        rows = self._responses(rng, users, counts, categories)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have, on a live database
        loaded = time.perf_counter() - started
        one = users[0]
        timings, queries = [], 0
        for _ in range(options["repeats"] + 5):
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                plan = plans.study_plan(candidate=one, curriculum=curriculum)
                timings.append((time.perf_counter() - t0) * 1000)
            queries = len(captured.captured_queries)
        timings = sorted(timings[5:])
        assert plan.responses == options["responses"]
        t0 = time.perf_counter()
        refreshed = plans.study_plans_refresh()
        night = time.perf_counter() - t0
        if options["json"]:
            self._json(options, timings, refreshed, night)
            return
        self.stdout.write(
            f"loaded {len(users):,} candidates and {rows:,} responses in {loaded:.0f} s"
        )
        self._report(options, timings, queries, refreshed, night)

    def _json(self, options: Any, timings: list[float], refreshed: int, night: float) -> None:
        p95 = timings[int(0.95 * (len(timings) - 1))]
        rate = refreshed / night
        self.stdout.write(
            measures_json(
                [
                    Measure(
                        measure=f"study plan: one plan of {options['responses']:,} responses "
                        f"({options['curriculum']}), p95",
                        ours=round(p95, 1),
                        unit="ms",
                        target="< 50 ms",
                        held=p95 < 50,
                    ),
                    Measure(
                        measure=f"study plan: nightly refresh, {refreshed:,} plans",
                        ours=round(rate, 1),
                        unit="plans/s",
                        target=">= 167 plans/s (10,000 in < 60 s)",
                        held=rate >= 10_000 / 60,
                    ),
                ]
            )
        )

    def _candidates(self, count: int, curriculum: Curriculum) -> list[Any]:
        User = get_user_model()
        users = User.objects.bulk_create(
            User(username=f"plan{n:06d}", email=f"plan{n}@example.org", password="!")  # noqa: S106 - unusable
            for n in range(count)
        )
        group = Group.objects.get(name=Role.CANDIDATE.value)
        User.groups.through.objects.bulk_create(
            (User.groups.through(user_id=u.pk, group_id=group.pk) for u in users), batch_size=5000
        )
        Enrolment.objects.bulk_create(
            (Enrolment(candidate=u, curriculum=curriculum) for u in users), batch_size=5000
        )
        return users

    def _responses(
        self, rng: np.random.Generator, users: list[Any], counts: list[int], categories: list[Any]
    ) -> int:
        index = {pk: i for i, c in enumerate(categories) for pk in c.subtree}
        questions = np.array(
            Question.objects.filter(category_id__in=list(index)).values_list("pk", "category_id")
        )
        b = plans.difficulties(questions[:, 0].tolist())
        difficulty = np.array([b[int(q)] for q in questions[:, 0]])
        now, total = timezone.now(), 0
        batch: list[PracticeResponse] = []
        for user, count in zip(users, counts, strict=True):
            theta = rng.normal(0.8, 0.8, len(categories))
            # Two weak categories (one when the exam has only two or fewer).
            weak = min(2, max(1, len(categories) - 1))
            theta[rng.choice(len(categories), weak, replace=False)] -= 2.0
            drawn = rng.integers(0, len(questions), count)
            p = sigmoid(theta[[index[int(c)] for c in questions[drawn, 1]]] - difficulty[drawn])
            right = rng.random(count) < p
            batch += [
                PracticeResponse(
                    candidate_id=user.pk,
                    question_id=int(questions[d, 0]),
                    category_id=int(questions[d, 1]),
                    fraction=float(r),
                    source=PracticeResponse.Source.PRACTICE,
                    answered_at=now,
                )
                for d, r in zip(drawn, right, strict=True)
            ]
            if len(batch) >= 20_000:
                total += len(PracticeResponse.objects.bulk_create(batch, batch_size=5000))
                batch = []
        total += len(PracticeResponse.objects.bulk_create(batch, batch_size=5000))
        return total

    def _report(
        self, options: Any, timings: list[float], queries: int, refreshed: int, night: float
    ) -> None:
        p95 = timings[int(0.95 * (len(timings) - 1))]
        self.stdout.write(
            f"machine: {platform.machine()}, nproc {len(os.sched_getaffinity(0))}, "
            f"Python {platform.python_version()}, load average "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}\n"
            f"one plan, {options['responses']:,} responses: p50 "
            f"{statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms, "
            f"{queries} queries (target < 50 ms)\n"
            f"nightly refresh: {refreshed:,} plans (item statistics included) in {night:.1f} s "
            f"= {refreshed / night:,.0f} plans/s (target: 10,000 in < 60 s)"
        )
