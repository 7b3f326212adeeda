"""A person's own time zone: chosen on the settings page or through the API, refused
when it is not an IANA zone (nothing changes), used for every time the pages show,
kept in the session (no query per request), and used for the notices each
registrant of a live session receives."""

from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from certification.models import Notification, Preference
from certification.sessions import services as sessions
from certification.sessions.services import SessionDetails
from training.models import Curriculum

pytestmark = pytest.mark.django_db
# 16:00 in Shanghai is 09:00 in Berlin in winter.
WINTER = datetime(2099, 1, 15, 16, 0)


def signed_in(user: Any, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def session_for(demo: dict[str, Any]) -> Any:
    curriculum = Curriculum.objects.get(slug="beginner-cv")
    return sessions.session_schedule(
        actor=demo["instructor"],
        details=SessionDetails(
            curriculum=curriculum,
            title="答疑 Q&A",
            starts_at=WINTER,
            time_zone="Asia/Shanghai",
            duration_minutes=60,
            capacity=5,
            online_url="https://meet.example.org/qa",
            room="",
            description="",
        ),
        now=None,
    )


def test_the_settings_page_saves_a_zone_and_every_page_reads_in_it(demo, candidate) -> None:
    session = session_for(demo)
    page = signed_in(candidate)
    form = page.get("/accounts/settings/").content.decode()
    assert '<option value="Europe/Berlin">' in form and "Asia/Shanghai）" in form
    saved = page.post("/accounts/settings/", {"time_zone": "Europe/Berlin"}, follow=True)
    assert "设置已保存" in saved.content.decode()
    assert Preference.objects.get(user=candidate).time_zone == "Europe/Berlin"
    assert '<option value="Europe/Berlin" selected>' in saved.content.decode()
    listing = page.get("/learn/sessions/").content.decode()
    assert f'id="session-{session.pk}"' not in listing  # not enrolled: the list is empty
    sessions.registration_create(candidate=candidate, session_id=session.pk)
    listing = page.get("/learn/sessions/").content.decode()
    assert "2099年1月15日 16:00</time>–17:00" in listing  # the session's own zone
    assert "2099年1月15日 09:00–10:00 <span" in listing and "Europe/Berlin" in listing


def test_the_zone_is_read_once_per_session(demo, candidate) -> None:
    page = signed_in(candidate)
    page.post("/accounts/settings/", {"time_zone": "America/New_York"})
    Preference.objects.filter(user=candidate).delete()  # the session keeps its copy
    assert "(America/New_York)" in page.get("/accounts/settings/").content.decode()
    fresh = signed_in(candidate)  # a new session reads the (now absent) choice again
    assert "(Asia/Shanghai)" in fresh.get("/accounts/settings/").content.decode()


@pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "../../etc/passwd", "x" * 64])
def test_an_unknown_zone_is_refused_and_nothing_changes(candidate, bad: str) -> None:
    page = signed_in(candidate)
    page.post("/accounts/settings/", {"time_zone": "Europe/Paris"})
    refused = page.post("/accounts/settings/", {"time_zone": bad})
    assert refused.status_code == 200
    assert "未知的时区" in refused.content.decode()
    assert Preference.objects.get(user=candidate).time_zone == "Europe/Paris"
    api = APIClient()
    api.force_authenticate(candidate)
    answer = api.put("/api/v1/accounts/preferences/", {"time_zone": bad}, format="json")
    assert answer.status_code == 400 and Preference.objects.get(user=candidate).time_zone == (
        "Europe/Paris"
    )


def test_the_api_reads_sets_and_clears_the_zone(candidate) -> None:
    api = APIClient()
    api.force_authenticate(candidate)
    assert api.get("/api/v1/accounts/preferences/").json() == {"time_zone": ""}
    set_ = api.put("/api/v1/accounts/preferences/", {"time_zone": "Asia/Tokyo"}, format="json")
    assert set_.status_code == 200 and set_.json() == {"time_zone": "Asia/Tokyo"}
    assert api.get("/api/v1/accounts/preferences/").json() == {"time_zone": "Asia/Tokyo"}
    api.put("/api/v1/accounts/preferences/", {"time_zone": ""}, format="json")
    assert Preference.objects.get(user=candidate).time_zone == ""
    assert APIClient().get("/api/v1/accounts/preferences/").status_code in (401, 403)


def test_each_registrant_is_told_the_time_in_their_own_zone(
    demo, candidate, other_candidate
) -> None:
    session = session_for(demo)
    for person in (candidate, other_candidate):
        sessions.registration_create(candidate=person, session_id=session.pk)
    Preference.objects.create(user=candidate, time_zone="Europe/Berlin")
    sessions.session_cancel(actor=demo["instructor"], session_id=session.pk, reason="讲师生病")
    berlin = Notification.objects.get(recipient=candidate).body
    site = Notification.objects.get(recipient=other_candidate).body
    assert "2099年1月15日 16:00 (Asia/Shanghai) = 2099年1月15日 09:00 (Europe/Berlin)" in berlin
    assert site.startswith("2099年1月15日 16:00 (Asia/Shanghai)\n讲师生病")


def test_the_settings_page_in_english(candidate) -> None:
    html = signed_in(candidate, "en").get("/accounts/settings/").content.decode()
    assert "Account settings" in html and "Time zone" in html
    assert Client().get("/accounts/settings/").status_code == 302
