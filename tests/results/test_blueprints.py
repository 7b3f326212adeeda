"""Blueprints are versioned and immutable once published; the modified-Angoff tool
computes the cut, its standard error across judges, and impact data, per round."""

from decimal import Decimal

import numpy as np
import pytest

from certification.models import AuditEvent, Blueprint
from certification.results.angoff import (
    angoff_apply,
    angoff_compute,
    angoff_estimates_save,
    angoff_items,
    angoff_round_next,
    angoff_study_create,
    angoff_summary,
)
from certification.results.blueprints import ComponentSpec, blueprint_create, blueprint_publish
from certification.results.selectors import blueprint_current, result_for_application
from core.errors import ApplicationError, NotFound
from core.roles import Role
from tests.conftest import make_user
from tests.factories import approved_application, objective_exam
from tests.test_results import graded_practical, graded_written

pytestmark = pytest.mark.django_db
Spec = ComponentSpec


def test_migrated_demo_blueprint_keeps_the_old_weights(demo):
    current = blueprint_current(certification=demo["certification"])
    assert current is not None and current.cut_score == Decimal(70)
    assert {c.kind: c.weight for c in current.components.all()} == {
        "written": Decimal("0.4"),
        "practical": Decimal("0.6"),
    }


def test_the_demo_has_an_advanced_certification_with_an_interview(demo):
    from certification.models import Certification

    advanced = Certification.objects.get(slug="advanced-cv")
    current = blueprint_current(certification=advanced)
    kinds = {c.kind: c for c in current.components.all()}
    assert set(kinds) == {"written", "practical", "interview"}
    assert kinds["interview"].rubric is not None
    assert advanced.interview_slots.exists()


def test_weights_must_add_up_to_one_and_nothing_is_created(demo, committee):
    before = Blueprint.objects.count()
    with pytest.raises(ApplicationError):
        blueprint_create(
            certification=demo["certification"],
            created_by=committee,
            cut_score=Decimal(70),
            components=[Spec("written", Decimal("0.5")), Spec("practical", Decimal("0.6"))],
        )
    with pytest.raises(ApplicationError):  # an interview needs a rubric
        blueprint_create(
            certification=demo["certification"],
            created_by=committee,
            cut_score=Decimal(70),
            components=[Spec("written", Decimal("0.5")), Spec("interview", Decimal("0.5"))],
        )
    assert Blueprint.objects.count() == before


@pytest.mark.parametrize("role", [Role.CANDIDATE, Role.INSTRUCTOR, Role.EXAMINER])
def test_only_the_committee_sets_blueprints(demo, role):
    user = make_user("someone", role)
    with pytest.raises(NotFound):
        blueprint_create(
            certification=demo["certification"],
            created_by=user,
            cut_score=Decimal(70),
            components=[Spec("written", Decimal("1"))],
        )


def test_a_draft_applies_to_nobody_until_published_and_publishing_twice_is_harmless(
    demo, committee, candidate
):
    objective_exam(certification=demo["certification"])
    draft = blueprint_create(
        certification=demo["certification"],
        created_by=committee,
        cut_score=Decimal(90),
        components=[Spec("written", Decimal("0.4")), Spec("practical", Decimal("0.6"))],
    )
    assert draft.version == 2 and draft.published_at is None
    application = approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    graded_written(application, None)
    graded_practical(application, 0.9)
    assert result_for_application(application).blueprint.version == 1
    published = blueprint_publish(blueprint_id=draft.pk, actor=committee)
    again = blueprint_publish(blueprint_id=draft.pk, actor=committee)
    assert again.published_at == published.published_at
    assert (
        AuditEvent.objects.filter(action="blueprint.publish", object_id=str(draft.pk)).count() == 1
    )
    # Approved before publication: still evaluated against version 1.
    assert result_for_application(application).blueprint.version == 1


@pytest.fixture
def angoff(demo, committee):
    """The objective exam (items worth 1, 2, 3) with three judges and three past graded
    attempts: 100 %, 50 % and 16.67 %."""
    exam = objective_exam(certification=demo["certification"])
    for name, correct in (("p1", None), ("p2", 2), ("p3", 1)):
        application = approved_application(
            candidate=make_user(name, Role.CANDIDATE),
            certification=demo["certification"],
            committee=committee,
        )
        graded_written(application, correct)
    study = angoff_study_create(exam=exam, title="Round table", created_by=committee)
    judges = [committee, make_user("j2", Role.EXAMINER), make_user("j3", Role.EXAMINER)]
    items = [v.question_id for v in angoff_items(study)]
    return study, judges, items


SHEETS = [["0.5", "0.5", "0.5"], ["0.8", "0.6", "0.4"], ["0.2", "0.5", "0.6"]]


def test_angoff_cut_standard_error_and_impact(angoff):
    study, judges, items = angoff
    for judge, sheet in zip(judges, SHEETS, strict=True):
        angoff_estimates_save(
            study_id=study.pk,
            judge=judge,
            estimates={q: Decimal(p) for q, p in zip(items, sheet, strict=True)},
        )
    [round_one] = angoff_summary(study=study)
    points = np.array([1, 2, 3])
    per_judge = np.array([[float(p) for p in sheet] for sheet in SHEETS]) @ points
    cut = per_judge.mean()
    se = per_judge.std(ddof=1) / np.sqrt(3)
    assert float(round_one.cut.cut_points) == pytest.approx(cut, abs=0.005)
    assert float(round_one.cut.cut_percent) == pytest.approx(cut / 6 * 100, abs=0.005)
    assert float(round_one.cut.standard_error_points) == pytest.approx(se, abs=0.005)
    assert float(round_one.cut.standard_error_percent) == pytest.approx(se / 6 * 100, abs=0.005)
    # Cut 51.11 %: of 100 %, 50 % and 16.67 %, one would pass.
    assert (round_one.graded_attempts, round_one.would_pass) == (3, 1)


def test_angoff_rounds_and_apply_drafts_a_new_version(angoff, committee):
    study, judges, items = angoff
    for judge, sheet in zip(judges, SHEETS, strict=True):
        angoff_estimates_save(
            study_id=study.pk,
            judge=judge,
            estimates={q: Decimal(p) for q, p in zip(items, sheet, strict=True)},
        )
    angoff_round_next(study_id=study.pk, actor=committee)
    study.refresh_from_db()
    for judge in judges:  # round 2: consensus on 0.4 everywhere → cut 2.4 / 6 = 40 %
        angoff_estimates_save(
            study_id=study.pk, judge=judge, estimates={q: Decimal("0.4") for q in items}
        )
    rounds = angoff_summary(study=study)
    assert [r.round for r in rounds] == [1, 2]
    assert rounds[1].cut.cut_percent == Decimal("40.00")
    assert rounds[1].cut.standard_error_points == Decimal("0.00")
    assert rounds[1].would_pass == 2
    draft = angoff_apply(study_id=study.pk, round_number=2, actor=committee)
    assert draft.published_at is None
    written = draft.components.get(kind="written")
    assert written.minimum == Decimal("40.00")


def test_angoff_refuses_bad_estimates_and_outsiders(angoff):
    study, judges, items = angoff
    with pytest.raises(ApplicationError):
        angoff_estimates_save(
            study_id=study.pk, judge=judges[1], estimates={items[0]: Decimal("1.5")}
        )
    with pytest.raises(NotFound):
        angoff_estimates_save(
            study_id=study.pk,
            judge=make_user("learner", Role.CANDIDATE),
            estimates={items[0]: Decimal("0.5")},
        )
    assert not study.estimates.exists()


def test_a_partial_sheet_does_not_count():
    cut = angoff_compute(
        estimates={"a": {1: Decimal("0.5"), 2: Decimal("0.5")}, "b": {1: Decimal("0.9")}},
        points={1: Decimal(1), 2: Decimal(1)},
    )
    assert (cut.judges, cut.cut_points, cut.standard_error_points) == (1, Decimal("1.00"), None)
