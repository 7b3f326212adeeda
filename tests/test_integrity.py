"""Exam integrity (docs/security.md, "Exam integrity"): one active exam page per
attempt, integrity events and their cap, and the committee's view of them. The
save rules are held against both stores (the PostgreSQL function and the ORM)."""

import html
import json
import re

import pytest
from django.test import Client

from certification.exams import answers, integrity
from certification.exams import services as exams
from certification.models import Answer, AnswerEvent, Attempt, IntegrityEvent
from tests.factories import answer_all, approved_application, correct_response, objective_exam
from training.models import Rubric

pytestmark = pytest.mark.django_db

Kind = IntegrityEvent.Kind
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME = "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/130.0 Safari/537.36"


@pytest.fixture
def attempt(demo, candidate, committee) -> Attempt:
    exam = objective_exam(certification=demo["certification"])
    approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    return exams.attempt_start(candidate=candidate, exam=exam)


def browser(user, *, ip: str, agent: str) -> Client:
    client = Client(REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)
    client.force_login(user)
    return client


def page_token(html: str) -> str:
    found = re.search(r'data-token="([^"]+)"', html)
    assert found, "the exam page carries a save token"
    return found.group(1)


@pytest.fixture(params=["_store_sql", "_store_orm"])
def store(request, monkeypatch) -> str:
    chosen = getattr(answers, request.param)
    monkeypatch.setattr(answers, "_store_sql", chosen)
    monkeypatch.setattr(answers, "_store_orm", chosen)
    return request.param


def test_only_the_active_page_saves_and_client_changes_are_logged_once(attempt, store):
    first = attempt.items.order_by("position").first()
    old = integrity.attempt_page_open(
        attempt=attempt, browser="b1", ip="10.0.0.1", device=integrity.device_hash(FIREFOX)
    )
    assert old
    answers.answer_save(
        attempt=attempt,
        item_id=first.pk,
        response={"choice": "a"},
        revision=1,
        client=answers.Client(session=old, ip="10.0.0.1", device=integrity.device_hash(FIREFOX)),
    )
    new = integrity.attempt_page_open(
        attempt=attempt, browser="b2", ip="10.0.0.2", device="", takeover=True
    )
    with pytest.raises(answers.TakenOver):
        answers.answer_save(
            attempt=attempt,
            item_id=first.pk,
            response={"choice": "c"},
            revision=2,
            client=answers.Client(session=old),
        )
    assert Answer.objects.get(item=first).response == {"choice": "a"}
    assert AnswerEvent.objects.filter(item=first).count() == 1  # the refused save: nothing
    # The new page saves; its device differs from the first one seen: logged once.
    for revision in (3, 4):
        answers.answer_save(
            attempt=attempt,
            item_id=first.pk,
            response={"choice": "b"},
            revision=revision,
            client=answers.Client(session=new, ip="10.0.0.2", device=integrity.device_hash(CHROME)),
        )
    kinds = list(IntegrityEvent.objects.filter(attempt=attempt).values_list("kind", flat=True))
    assert kinds == [Kind.IP_CHANGED, Kind.SESSION_TAKEOVER, Kind.DEVICE_CHANGED]
    takeover = IntegrityEvent.objects.get(kind=Kind.SESSION_TAKEOVER)
    assert takeover.detail["from_ip"] == "10.0.0.1" and takeover.ip == "10.0.0.2"
    assert takeover.detail["from_device"] == integrity.device_hash(FIREFOX)


def test_server_detected_events_respect_the_cap(attempt, store, monkeypatch):
    monkeypatch.setattr(integrity, "EVENT_CAP", 3)
    monkeypatch.setattr(answers, "EVENT_CAP", 3)
    item = attempt.items.order_by("position").first()
    for revision in range(1, 7):
        answers.answer_save(
            attempt=attempt,
            item_id=item.pk,
            response={"choice": "a"},
            revision=revision,
            client=answers.Client(ip=f"10.0.0.{revision}", device=f"d{revision}"),
        )
    assert IntegrityEvent.objects.filter(attempt=attempt).count() == 3
    assert Answer.objects.get(item=item).revision == 6  # the cap never blocks a save


def test_a_second_browser_asks_then_takes_over_and_the_first_page_is_refused(attempt, candidate):
    home = browser(candidate, ip="10.1.1.1", agent=FIREFOX)
    token = page_token(home.get(f"/attempts/{attempt.public_id}/").content.decode())
    assert home.get(f"/attempts/{attempt.public_id}/").status_code == 200  # reload: no question

    away = browser(candidate, ip="10.2.2.2", agent=CHROME)
    asked = away.get(f"/attempts/{attempt.public_id}/").content.decode()
    assert 'id="takeover-confirm"' in asked and "data-token" not in asked
    assert not IntegrityEvent.objects.filter(kind=Kind.SESSION_TAKEOVER).exists()

    taken = away.post(f"/attempts/{attempt.public_id}/takeover/", follow=True)
    assert "接管" in taken.content.decode() and "data-token" in taken.content.decode()
    event = IntegrityEvent.objects.get(kind=Kind.SESSION_TAKEOVER)
    assert (event.detail["from_ip"], event.ip) == ("10.1.1.1", "10.2.2.2")

    item = attempt.items.order_by("position").first()
    refused = home.put(
        f"/api/v1/attempts/{attempt.public_id}/answers/{item.pk}/",
        {"response": {"choice": "b"}, "revision": 1},
        content_type="application/json",
        headers={"X-Attempt-Token": token},
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "taken_over"
    assert not Answer.objects.filter(item=item).exists()

    # Nor may the first page submit: only the page that holds the attempt does.
    submit = f"/api/v1/attempts/{attempt.public_id}/submit/"
    late = home.post(submit, headers={"X-Attempt-Token": token})
    assert late.status_code == 409 and late.json()["error"]["code"] == "taken_over"
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.IN_PROGRESS
    new_token = page_token(taken.content.decode())
    assert away.post(submit, headers={"X-Attempt-Token": new_token}).status_code == 200
    attempt.refresh_from_db()
    assert attempt.state in (Attempt.State.SUBMITTED, Attempt.State.GRADED)


def test_the_page_reports_focus_copy_and_paste_and_nothing_else(attempt, candidate):
    client = browser(candidate, ip="10.1.1.1", agent=FIREFOX)
    url = f"/api/v1/attempts/{attempt.public_id}/integrity/"
    events = [
        {"kind": "focus_lost"},
        {"kind": "focus_back", "seconds": 12},
        {"kind": "paste", "item": 1, "chars": 300},
    ]
    reply = client.post(url, {"events": events}, content_type="application/json")
    assert reply.status_code == 202 and reply.json() == {"recorded": 3}
    forged = client.post(
        url, {"events": [{"kind": "session_takeover"}]}, content_type="application/json"
    )
    assert forged.status_code == 400
    too_many = client.post(
        url, {"events": [{"kind": "copy"}] * 51}, content_type="application/json"
    )
    assert too_many.status_code == 400
    assert list(IntegrityEvent.objects.values_list("kind", "detail")) == [
        ("focus_lost", {}),
        ("focus_back", {"seconds": 12}),
        ("paste", {"item": 1, "chars": 300}),
    ]
    exams.attempt_submit(attempt=attempt)
    late = client.post(url, {"events": [{"kind": "copy"}]}, content_type="application/json")
    assert late.json() == {"recorded": 0}


@pytest.mark.parametrize(
    "language,heading,label",
    [("zh-hans", "考试诚信记录", "粘贴"), ("en", "Exam integrity record", "Paste")],
)
def test_the_committee_sees_the_events_and_the_examiners_do_not(
    attempt, committee, demo, language, heading, label
):
    integrity.integrity_report(
        attempt=attempt,
        events=[{"kind": "paste", "detail": {"chars": 40}}, {"kind": "paste"}],
        ip="10.9.9.9",
        device="",
    )
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(committee)
    page = client.get(f"/committee/results/{attempt.application_id}/").content.decode()
    assert heading in page and f"{label} × 2" in page and "10.9.9.9" in page
    examiner = Client()
    examiner.force_login(demo["examiner"])
    assert "10.9.9.9" not in examiner.get("/examiner/grading/").content.decode()


# --- The exam page sends nothing the candidate must not see ------------------------

KEY_MARKERS = ['"fractions"', '"correct"', '"model_answer"', '"tolerance"', '"weight"']


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _secrets(attempt: Attempt) -> set[str]:
    """Every text of the attempt's keys, feedback and rubrics that the candidate's
    own item (stem and data) does not show anyway."""
    found: set[str] = set()
    for item in attempt.items.select_related("version"):
        version = item.version
        public = version.stem + json.dumps(version.data, ensure_ascii=False)
        hidden = _strings(version.key) + _strings(version.feedback)
        rubric = version.key.get("rubric") if isinstance(version.key, dict) else None
        if rubric:
            hidden += _strings(Rubric.objects.get(pk=rubric).criteria)
        found |= {s for s in hidden if len(s.strip()) >= 4 and s not in public}
    return found


def _leaks(body: str, secrets: set[str]) -> list[str]:
    forms = {s: {s, html.escape(s), json.dumps(s, ensure_ascii=False)[1:-1]} for s in secrets}
    return [m for m in KEY_MARKERS if m in body] + [
        s for s, spelled in forms.items() if any(f in body for f in spelled)
    ]


def test_the_exam_page_and_its_apis_send_no_keys_feedback_or_other_candidates_data(
    demo, candidate, other_candidate, committee
):
    """Renders the page and calls every API the page uses during an active attempt,
    as the candidate, and looks for key material and another candidate's data."""
    exam = demo["certification"].written_exam
    for user in (candidate, other_candidate):
        approved_application(
            candidate=user, certification=demo["certification"], committee=committee
        )
    other = exams.attempt_start(candidate=other_candidate, exam=exam)
    answer_all(other)
    attempt = exams.attempt_start(candidate=candidate, exam=exam)
    secrets = _secrets(attempt) | _secrets(other)
    theirs = {other_candidate.username, str(other.public_id)} | {
        s
        for a in Answer.objects.filter(item__attempt=other)
        for s in _strings(a.response)
        if len(s) >= 4
    }
    client = browser(candidate, ip="10.1.1.1", agent=FIREFOX)
    page = client.get(f"/attempts/{attempt.public_id}/").content.decode()
    token = page_token(page)
    bodies = {"page": page, "attempt api": client.get(f"/api/v1/attempts/{attempt.public_id}/")}
    for item in attempt.items.select_related("version").order_by("position"):
        response = correct_response(item.version)
        if response is not None:
            bodies[f"save {item.version.kind}"] = client.put(
                f"/api/v1/attempts/{attempt.public_id}/answers/{item.pk}/",
                {"response": response, "revision": 1},
                content_type="application/json",
                headers={"X-Attempt-Token": token},
            )
    bodies["integrity"] = client.post(
        f"/api/v1/attempts/{attempt.public_id}/integrity/",
        {"events": [{"kind": "copy"}]},
        content_type="application/json",
    )
    assert len(bodies) >= 8 and secrets and theirs
    for name, reply in bodies.items():
        body = reply if isinstance(reply, str) else reply.content.decode()
        assert isinstance(reply, str) or reply.status_code < 300, (name, body)
        assert _leaks(body, secrets) == [], name
        assert [s for s in theirs if s in body] == [], name
