"""The practical task's runs page: trial runs per version, the distribution of the
candidates' hidden-set scores, and a re-run that a double click queues once."""

import pytest
from django.test import Client
from django.urls import reverse

from certification.studio.tasks import BINS, histogram
from core.roles import Role
from grading.models import Submission
from tests.conftest import make_user
from training.models import BundleVersion

pytestmark = pytest.mark.django_db


def test_the_histogram_counts_every_score_once_and_places_the_marks() -> None:
    chart = histogram(
        [0.0, 0.5, 0.55, 1.0, 1.2], low=0.0, high=1.0, marks={"threshold": 0.9, "baseline": None}
    )
    assert sum(bar["count"] for bar in chart["bars"]) == 5 and len(chart["bars"]) == BINS
    assert chart["bars"][-1]["count"] == 2  # 1.0 and the clipped 1.2 in the last bin
    assert chart["marks"] == {"threshold": 540.0}


def test_the_runs_page_shows_trials_and_scores_and_queues_one_rerun(
    demo, django_capture_on_commit_callbacks
) -> None:
    task = demo["certification"].practical_task
    version = task.current_version
    version.trial = {
        "reference": {
            "verdict": "ok",
            "dev_score": 0.97,
            "test_score": 0.96,
            "passed": True,
            "stages": {},
        },
        "baseline": {
            "verdict": "ok",
            "dev_score": 0.5,
            "test_score": 0.51,
            "passed": False,
            "stages": {},
        },
    }
    version.save()
    for n, score in enumerate((0.95, 0.72, 0.91)):
        Submission.objects.create(
            task=task,
            candidate=make_user(f"c{n}", Role.CANDIDATE),
            file_name="s.py",
            sha256="0" * 64,
            size_bytes=1,
            state="done",
            verdict="ok",
            test_score=score,
        )
    client = Client()
    client.force_login(demo["instructor"])
    page = client.get(reverse("studio-task-runs", args=[task.slug])).content.decode()
    assert "0.9600" in page and "0.5100" in page and "3 份已评分的提交，2 份通过" in page
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(reverse("studio-task-trial", args=[task.slug]))
        client.post(reverse("studio-task-trial", args=[task.slug]))  # a double click
    assert len(queued) == 1
    assert BundleVersion.objects.get(pk=version.pk).trial["pending"] is True
