"""The item analysis refresh through a real Celery worker: a large exam's page queues
the refresh, its progress endpoint follows the worker to the end, and the page then
shows the new snapshot, computed from every graded attempt."""

import time
from typing import Any

import pytest
from django.test import Client

from certification.exams import analysis_snapshots as snapshots
from certification.models import ItemAnalysisSnapshot
from core.roles import Role
from tests.conftest import demo_data, make_user
from tests.interchange.test_import_progress import worker  # noqa: F401 - the Celery worker
from tests.item_analysis.test_snapshots import grade, graded_exam

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("worker")]


def test_a_large_exams_refresh_runs_on_the_worker_with_progress(
    transactional_db: None,
    worker: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(snapshots, "INLINE_MAX_RESPONSES", 0)  # this process queues it
    demo_data()  # a transactional test before this one may have flushed it
    exam = graded_exam([0, 1, 2, 3])
    client = Client()
    client.force_login(make_user("ian", Role.INSTRUCTOR))

    first = client.get(f"/exams/{exam.pk}/analysis/").content.decode()
    assert 'id="analysis-progress"' in first
    seen = _follow(client, exam.pk)
    assert seen[-1]["state"] == "idle"
    page = client.get(f"/exams/{exam.pk}/analysis/").content.decode()
    assert 'id="analysis-computed"' in page and "4 份已评分答卷" in page
    assert "analysis-progress" not in page

    grade(exam, [3], prefix="late")  # stale again: the next visit refreshes it
    assert 'id="analysis-progress"' in client.get(f"/exams/{exam.pk}/analysis/").content.decode()
    _follow(client, exam.pk)
    snapshot = ItemAnalysisSnapshot.objects.get(exam=exam)
    assert (snapshot.state, snapshot.attempts, snapshot.done, snapshot.total) == ("idle", 5, 5, 5)


def _follow(client: Client, exam_id: int, *, timeout: float = 60) -> list[dict[str, Any]]:
    """Polls the progress endpoint as the page does, until the refresh is final."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(f"/exams/{exam_id}/analysis/progress/")
        assert response.status_code == 200
        seen.append(response.json())
        if seen[-1]["final"]:
            return seen
        time.sleep(0.1)
    raise AssertionError(f"the refresh did not finish in {timeout} s: {seen[-3:]}")
