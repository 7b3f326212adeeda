"""Times the operations a user may wait on in the browser, at their largest input,
for the "Long operations" table in docs/benchmarks.md. Runs against the configured
database, which must hold the demo (``manage.py load_demo``), inside one transaction
that is rolled back: nothing it creates stays.

    DATABASE_URL=... .venv/bin/python scripts/long_operations.py [--attempts N]

Prints one line per operation: seconds, then what was timed.
"""

import argparse
import os
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def timed(label: str, work: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = work()
    print(f"{time.perf_counter() - start:8.2f} s  {label}", flush=True)
    return result


def imports() -> None:
    from import_at_limit import file_at_limit, package_at_limit

    from training.interchange import parse
    from training.models import QuestionBank
    from training.services.interchange import QUESTION_IMPORT_MAX_BYTES, questions_import

    bank = QuestionBank.objects.create(slug="long-operations", title="Long operations")
    for fmt, data in (
        ("gift", file_at_limit(QUESTION_IMPORT_MAX_BYTES)),
        ("qti", package_at_limit(QUESTION_IMPORT_MAX_BYTES)),
    ):
        for dry_run in (True, False):

            def run(fmt: str = fmt, data: bytes = data, dry_run: bool = dry_run) -> int:
                parsed = parse(fmt, data)
                return questions_import(
                    bank=bank,
                    drafts=parsed.drafts,
                    created_by=None,
                    dry_run=dry_run,
                    categories=parsed.categories,
                )

            what = "preview (dry run)" if dry_run else "import"
            report = timed(f"question {what}, {fmt}, {len(data):,} bytes", run)
            print(f"          ({report.created:,} items)")


def audit_csv(events: int) -> None:
    from certification.bench.clients import signed_in
    from certification.models import AuditEvent

    AuditEvent.objects.bulk_create(
        AuditEvent(
            action="application.approve",
            object_type="application",
            object_id=str(n),
            after={"state": "approved", "reason": "Eligible: beginner level"},
        )
        for n in range(events)
    )
    client = signed_in("committee")

    def download() -> int:
        response = client.get("/committee/audit.csv")
        return sum(len(chunk) for chunk in response.streaming_content)

    size = timed(f"audit CSV export, {AuditEvent.objects.count():,} events", download)
    print(f"          ({size:,} bytes, streamed)")


def bulk_decide(count: int) -> None:
    from django.contrib.auth import get_user_model

    from certification.bench.clients import signed_in
    from certification.models import Application, Certification

    certification = Certification.objects.get(slug="beginner-cv")
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bulk-{n}", email=f"bulk-{n}@example.org") for n in range(count)
    )
    applications = Application.objects.bulk_create(
        Application(
            candidate=user,
            certification=certification,
            full_name=user.username,
            learning_history="课程全部完成",
            project_experience="图像分类项目",
        )
        for user in users
    )
    client = signed_in("committee")
    ids = [str(a.pk) for a in applications]
    timed(
        f"committee bulk approve, {count} applications (the most at once)",
        lambda: client.post("/committee/applications/bulk/", {"ids": ids, "decision": "approve"}),
    )
    approved = Application.objects.filter(pk__in=ids, state=Application.State.APPROVED).count()
    print(f"          ({approved} approved)")


def issue() -> None:
    from django.contrib.auth import get_user_model

    from certification.bench.clients import signed_in
    from certification.models import Certificate, Certification
    from core.roles import Role, role_grant
    from tests.factories import approved_application, objective_exam
    from tests.test_results import graded_practical, graded_written

    certification = Certification.objects.get(slug="beginner-cv")
    committee = get_user_model().objects.get(username="committee")
    candidate = get_user_model().objects.create(username="issue-me", email="i@example.org")
    role_grant(user=candidate, role=Role.CANDIDATE)
    objective_exam(certification=certification)
    application = approved_application(
        candidate=candidate, certification=certification, committee=committee
    )
    graded_written(application, None)
    graded_practical(application, 0.92)
    client = signed_in("committee")
    timed(
        "committee issues one certificate (result, decision, signed credential)",
        lambda: client.post(f"/committee/results/{application.pk}/issue/"),
    )
    assert Certificate.objects.filter(application=application).exists()


def item_analysis(attempts: int) -> None:
    from certification.bench.clients import signed_in
    from certification.exams.analysis_snapshots import _source, _store
    from certification.models import Attempt, AttemptItem

    graded = list(Attempt.objects.filter(state=Attempt.State.GRADED).order_by("pk"))
    if not graded:
        raise SystemExit("no graded attempt: load the demo with its cohort")
    exam = graded[0].exam
    graded = [a for a in graded if a.exam_id == exam.pk]
    items = {a.pk: list(AttemptItem.objects.filter(attempt=a)) for a in graded}
    clones = []
    for n in range(attempts):
        source = graded[n % len(graded)]
        clone = Attempt(
            **{
                f.attname: getattr(source, f.attname)
                for f in Attempt._meta.concrete_fields
                if not f.primary_key
            }
        )
        clone.public_id = uuid.uuid4()
        clone.number = 1000 + n // len(graded)  # unique per candidate (a smallint)
        clones.append((source.pk, clone))
    Attempt.objects.bulk_create([c for _, c in clones], batch_size=2000)
    rows = []
    for source_pk, clone in clones:
        for item in items[source_pk]:
            copy = AttemptItem(
                **{
                    f.attname: getattr(item, f.attname)
                    for f in AttemptItem._meta.concrete_fields
                    if not f.primary_key
                }
            )
            copy.attempt_id = clone.pk
            rows.append(copy)
    AttemptItem.objects.bulk_create(rows, batch_size=5000)
    total = AttemptItem.objects.filter(attempt__exam=exam).count()
    client = signed_in("instructor")
    client.get("/exams/")  # the process's first page costs its own start-up: not timed
    # What the worker does (a refresh: reading and computing, with progress), then
    # the page and the CSV, which show the stored snapshot.
    timed(
        f"item analysis refresh, {attempts + len(graded):,} attempts, {total:,} responses",
        lambda: _store(exam=exam, source=_source(exam).key),
    )
    timed(
        "item analysis page (the stored snapshot)",
        lambda: client.get(f"/exams/{exam.pk}/analysis/"),
    )
    timed("item analysis CSV (the same)", lambda: client.get(f"/exams/{exam.pk}/analysis.csv"))


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import transaction

    from certification.bench.clients import client_environment_setup

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=20_000)
    parser.add_argument("--audit-events", type=int, default=200_000)
    parser.add_argument("--only-item-analysis", action="store_true")
    args = parser.parse_args()
    client_environment_setup()
    with transaction.atomic():
        if not args.only_item_analysis:
            imports()
            audit_csv(args.audit_events)
            bulk_decide(200)
            issue()
        item_analysis(args.attempts)
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
