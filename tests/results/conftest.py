"""A world for interviews, decisions and appeals: the demo Beginner CV certification
with a second blueprint version that adds an interview (written 0.3, practical 0.3,
interview 0.4, cut 70, borderline margin 2, rater threshold 15), three examiners, a
slot and an approved application, all through the services."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from certification.interviews import services as interviews
from certification.models import Application, Blueprint, Interview, InterviewSlot
from certification.results.blueprints import ComponentSpec, blueprint_create
from core.roles import Role
from tests.conftest import make_user
from tests.factories import approved_application, objective_exam
from tests.test_results import graded_practical, graded_written
from training.models import Rubric

# Two criteria, levels worth 0, 1 and 2 points: a rating is 0, 25, 50, 75 or 100 %.
CRITERIA = [
    {
        "id": cid,
        "name": cid,
        "levels": [
            {"id": f"{cid}-{p}", "label": str(p), "descriptor": f"{cid} level {p}", "points": p}
            for p in range(3)
        ],
    }
    for cid in ("c1", "c2")
]


def levels_for(percent: int) -> dict[str, str]:
    """Rubric levels that give ``percent`` (0, 25, 50, 75, 100)."""
    total = percent * 4 // 100
    first = min(2, total)
    return {"c1": f"c1-{first}", "c2": f"c2-{total - first}"}


@dataclass
class World:
    committee: Any
    examiners: list[Any]
    candidate: Any
    blueprint: Blueprint
    application: Application
    slot: InterviewSlot
    rubric: Rubric

    def book(self) -> Interview:
        return interviews.interview_book(
            candidate=self.candidate, application_id=self.application.pk, slot_id=self.slot.pk
        )

    def rate(self, examiner: Any, percent: int, comment: str = "") -> Any:
        interview = Interview.objects.get(application=self.application, state="booked")
        return interviews.interview_rate(
            examiner=examiner,
            interview_id=interview.pk,
            levels=levels_for(percent),
            comment=comment,
            now=self.slot.starts_at + timedelta(minutes=50),
        )

    def score(self, *, written_items: int | None = None, practical: float = 0.9) -> None:
        graded_written(self.application, written_items)
        graded_practical(self.application, practical)


def new_slot(world_committee: Any, certification: Any, examiners: list[Any], days: int = 3):
    return interviews.interview_slot_create(
        certification=certification,
        starts_at=timezone.now() + timedelta(days=days),
        first_examiner=examiners[0],
        second_examiner=examiners[1],
        created_by=world_committee,
        location="Room 1",
    )


@pytest.fixture
def world(demo: dict[str, Any]) -> World:
    # The examiner pool of this world is its three raters: the demo's examiners step aside.
    get_user_model().objects.filter(groups__name=Role.EXAMINER.value).update(is_active=False)
    committee = make_user("chair", Role.COMMITTEE)
    examiners = [make_user(f"rater{i}", Role.EXAMINER) for i in (1, 2, 3)]
    candidate = make_user("cand", Role.CANDIDATE)
    certification = demo["certification"]
    objective_exam(certification=certification)
    rubric = Rubric.objects.create(title="Interview", criteria=CRITERIA)
    blueprint = blueprint_create(
        certification=certification,
        created_by=committee,
        cut_score=Decimal(70),
        components=[
            ComponentSpec("written", Decimal("0.3")),
            ComponentSpec("practical", Decimal("0.3")),
            ComponentSpec("interview", Decimal("0.4"), rubric_id=rubric.pk),
        ],
        borderline_margin=Decimal(2),
        rater_threshold=Decimal(15),
        publish=True,
    )
    application = approved_application(
        candidate=candidate, certification=certification, committee=committee
    )
    slot = new_slot(committee, certification, examiners)
    return World(committee, examiners, candidate, blueprint, application, slot, rubric)
