"""The exam-day simulation at a small size, as CI runs it: the site under its web server,
two worker processes standing for two hosts, the first killed with SIGKILL while its
first practical run is in flight. Nothing acknowledged may be lost and every
practical submission must be scored exactly once."""

from pathlib import Path

import pytest

from certification.bench.exam_day import exam_day_run

pytestmark = [
    pytest.mark.docker,
    pytest.mark.worker,
    pytest.mark.xdist_group("worker"),
    pytest.mark.django_db(transaction=True),
]


def test_a_small_exam_day_loses_nothing_when_a_worker_host_dies(tmp_path: Path) -> None:
    report = exam_day_run(
        candidates=60,
        practical=4,
        items=5,
        kill_after=0.25,  # as soon as the first run has started on the doomed worker
        concurrency=8,
        web_workers=2,
        lost_after=10,
        timeout=120,
        logs=tmp_path,
    )

    assert report["ok"], report
    assert report["starts"]["count"] == 60 and report["error_count"] == 0
    assert report["autosaves"]["acknowledged"] == 300
    assert (report["autosaves"]["lost"], report["autosaves"]["stale"]) == (0, 0)
    assert report["submissions"]["acknowledged"] == 60 and report["submissions"]["lost"] == 0
    runs = report["practical"]
    assert (runs["done"], runs["lost"], runs["scored_once"], runs["scored_twice"]) == (4, 0, 4, 0)
    # The killed worker really had a run in flight; the reaper gave it to the other one.
    assert report["kill"]["worker"] is not None
    assert runs["runs_on_killed_worker"] >= 1 and runs["runs_abandoned"] >= 1
    assert report["kill"]["requeued_by_reaper"] >= 1
    assert runs["runs"] == runs["done"] + runs["runs_abandoned"]
