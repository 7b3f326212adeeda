"""Item analysis kept precomputed (certification/exams/analysis_snapshots.py): the page
and the CSV show the stored snapshot with when it was computed; a small exam is
computed in the request, a large one by a worker with progress; new or re-scored
graded attempts make the snapshot stale. The real worker's run is in
tests/item_analysis/test_snapshot_worker.py."""

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from certification.exams import analysis_snapshots as snapshots
from certification.exams import item_analysis
from certification.exams import services as exams
from certification.models import Attempt, Exam, ItemAnalysisSnapshot
from core.errors import NotFound
from core.roles import Role
from tests.conftest import make_user
from tests.factories import answer_all, objective_exam

pytestmark = pytest.mark.django_db

State = ItemAnalysisSnapshot.State


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def graded_exam(corrects: list[int], *, prefix: str = "p") -> Exam:
    exam = objective_exam()
    exam.attempts_allowed = 1
    exam.mode = Exam.Mode.PRACTICE
    exam.save()
    grade(exam, corrects, prefix=prefix)
    return exam


def grade(exam: Exam, corrects: list[int], *, prefix: str) -> None:
    for index, correct in enumerate(corrects):
        person = make_user(f"{prefix}{index}", Role.CANDIDATE)
        attempt = exams.attempt_start(candidate=person, exam=exam)
        answer_all(attempt, correct=correct)
        exams.attempt_submit(attempt=attempt)


@pytest.fixture
def instructor(demo: Any) -> Any:
    return make_user("ian", Role.INSTRUCTOR)


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every exam counts as large: its refresh goes to a worker."""
    monkeypatch.setattr(snapshots, "INLINE_MAX_RESPONSES", 0)


def csv_rows(client: Client, exam: Exam) -> list[list[str]]:
    response = client.get(f"/exams/{exam.pk}/analysis.csv")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_a_small_exam_is_computed_in_the_request_and_the_csv_matches_the_page(instructor):
    exam = graded_exam([0, 1, 2, 3, 3, 2])
    client = logged_in(instructor)

    page = client.get(f"/exams/{exam.pk}/analysis/").content.decode()

    snapshot = ItemAnalysisSnapshot.objects.get(exam=exam)
    assert (snapshot.state, snapshot.attempts) == (State.IDLE, 6)
    assert 'id="analysis-computed"' in page and "6 份已评分答卷" in page
    assert "analysis-progress" not in page  # nothing to wait for
    rows = csv_rows(client, exam)
    header = rows[0]
    stored = snapshots._stored(snapshot)
    assert stored is not None
    assert [float(r[header.index("facility")]) for r in rows[1:4]] == pytest.approx(
        [5 / 6, 4 / 6, 2 / 6]
    )
    # The CSV is the stored snapshot, figure for figure, and says when it was computed.
    assert rows[1 : 1 + len(stored.analysis.items)] == stored.analysis.to_rows()[1:]
    assert rows[-1] == ["computed_at", snapshot.computed_at.isoformat()]
    # And the same figures the analysis gives when computed afresh.
    fresh = item_analysis.exam_item_analysis(exam=exam, viewer=instructor)
    assert fresh is not None and fresh[0] == stored.analysis


def test_new_graded_attempts_make_the_snapshot_stale(instructor):
    exam = graded_exam([0, 1, 2])
    first = snapshots.item_analysis_now(exam=exam, viewer=instructor)
    assert first.stored is not None and first.stored.analysis.test.attempts == 3
    computed_at = first.stored.computed_at

    # Nothing new: the stored snapshot is shown as it is.
    again = snapshots.item_analysis_now(exam=exam, viewer=instructor)
    assert again.stored is not None and again.stored.computed_at == computed_at

    grade(exam, [3], prefix="late")
    later = snapshots.item_analysis_now(exam=exam, viewer=instructor)
    assert later.stored is not None and later.stored.analysis.test.attempts == 4


def test_a_rescored_attempt_makes_the_snapshot_stale(instructor):
    exam = graded_exam([0, 1, 2])
    before = snapshots.item_analysis_now(exam=exam, viewer=instructor).snapshot
    assert before is not None
    attempt = Attempt.objects.filter(exam=exam, state=Attempt.State.GRADED).first()
    assert attempt is not None and attempt.score is not None
    Attempt.objects.filter(pk=attempt.pk).update(score=attempt.score + 1)

    after = snapshots.item_analysis_now(exam=exam, viewer=instructor).snapshot
    assert after is not None and after.source != before.source


def test_a_large_exam_is_queued_once_and_the_page_shows_progress(
    instructor, large, django_capture_on_commit_callbacks
):
    exam = graded_exam([0, 1, 2])
    client = logged_in(instructor)
    with django_capture_on_commit_callbacks() as sent:
        page = client.get(f"/exams/{exam.pk}/analysis/").content.decode()
        client.get(f"/exams/{exam.pk}/analysis/")  # a second visit, a reload
        client.get(f"/exams/{exam.pk}/analysis.csv")
    assert len(sent) == 1  # one refresh queued, not three
    snapshot = ItemAnalysisSnapshot.objects.get(exam=exam)
    assert snapshot.state == State.QUEUED
    assert 'id="analysis-progress"' in page and "<progress" in page
    assert f'data-progress-url="/exams/{exam.pk}/analysis/progress/"' in page
    assert "js/job_progress.js" in page
    assert "analysis-computed" not in page  # nothing computed yet
    assert csv_rows(client, exam) == []  # the CSV shows what the page shows: nothing yet


def test_the_refresh_reports_progress_and_runs_once(instructor, large, monkeypatch):
    exam = graded_exam([0, 1, 2, 3, 3])
    snapshots.item_analysis_refresh_request(exam=exam)
    monkeypatch.setattr(item_analysis, "READ_CHUNK_ATTEMPTS", 2)
    steps: list[tuple[int, int]] = []
    real = snapshots._reporter

    def recording(exam_id: int) -> Any:
        report = real(exam_id)

        def both(done: int, total: int) -> None:
            report(done, total)
            row = ItemAnalysisSnapshot.objects.get(exam_id=exam_id)
            steps.append((row.done, row.total))

        return both

    monkeypatch.setattr(snapshots, "_reporter", recording)

    snapshots.item_analysis_refresh_run(exam_id=exam.pk)
    snapshots.item_analysis_refresh_run(exam_id=exam.pk)  # a second delivery

    assert steps == [(2, 5), (4, 5), (5, 5)]  # one run, its steps on the row
    snapshot = ItemAnalysisSnapshot.objects.get(exam=exam)
    assert (snapshot.state, snapshot.attempts) == (State.IDLE, 5)
    now = snapshots.item_analysis_now(exam=exam, viewer=instructor)
    assert not now.refreshing and now.stored is not None  # fresh: nothing queued again


def test_while_refreshing_the_previous_snapshot_stays_on_the_page(
    instructor, large, django_capture_on_commit_callbacks
):
    exam = graded_exam([0, 1, 2])
    snapshots.item_analysis_refresh_request(exam=exam)
    snapshots.item_analysis_refresh_run(exam_id=exam.pk)
    grade(exam, [3], prefix="late")
    client = logged_in(instructor)
    with django_capture_on_commit_callbacks() as sent:
        page = client.get(f"/exams/{exam.pk}/analysis/").content.decode()
    assert len(sent) == 1
    assert 'id="analysis-progress"' in page and 'id="analysis-computed"' in page
    assert "3 份已评分答卷" in page  # the last result, until the new one is stored


def test_a_failed_refresh_keeps_the_snapshot_and_is_retried_later(instructor, large, monkeypatch):
    exam = graded_exam([0, 1, 2])
    snapshots.item_analysis_refresh_request(exam=exam)
    snapshots.item_analysis_refresh_run(exam_id=exam.pk)
    grade(exam, [3], prefix="late")
    snapshots.item_analysis_refresh_request(exam=exam)

    def broken(**_: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(snapshots, "item_analysis_read", broken)
    snapshots.item_analysis_refresh_run(exam_id=exam.pk)

    snapshot = ItemAnalysisSnapshot.objects.get(exam=exam)
    assert (snapshot.state, snapshot.message, snapshot.attempts) == (
        State.FAILED,
        "RuntimeError",
        3,
    )
    page = logged_in(instructor).get(f"/exams/{exam.pk}/analysis/").content.decode()
    assert 'id="analysis-failed"' in page and "3 份已评分答卷" in page
    assert ItemAnalysisSnapshot.objects.get(exam=exam).state == State.FAILED  # not at once

    ItemAnalysisSnapshot.objects.filter(exam=exam).update(
        requested_at=timezone.now() - snapshots.RETRY_AFTER - timedelta(seconds=1)
    )
    assert snapshots.item_analysis_now(exam=exam, viewer=instructor).refreshing


def test_progress_json(instructor, large):
    exam = graded_exam([0, 1])
    client = logged_in(instructor)
    url = f"/exams/{exam.pk}/analysis/progress/"
    assert client.get(url).json() == {
        "state": "idle",
        "state_label": "",
        "done": 0,
        "total": 0,
        "final": True,
    }
    snapshots.item_analysis_refresh_request(exam=exam)
    ItemAnalysisSnapshot.objects.filter(exam=exam).update(state=State.RUNNING, done=1, total=2)
    assert client.get(url).json() == {
        "state": "running",
        "state_label": "计算中",
        "done": 1,
        "total": 2,
        "final": False,
    }


@pytest.mark.parametrize("role", [Role.CANDIDATE, Role.EXAMINER])
def test_only_instructors_and_the_committee_see_item_analysis(demo, role, committee):
    exam = graded_exam([0, 1, 2])
    outsider = make_user("outsider", role)
    client = logged_in(outsider)
    for url in ("analysis/", "analysis.csv", "analysis/progress/"):
        assert client.get(f"/exams/{exam.pk}/{url}").status_code == 404
    with pytest.raises(NotFound):
        snapshots.item_analysis_now(exam=exam, viewer=outsider)
    assert not ItemAnalysisSnapshot.objects.filter(exam=exam).exists()  # nothing computed
    assert logged_in(committee).get(f"/exams/{exam.pk}/analysis/progress/").status_code == 200
