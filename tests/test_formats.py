"""Dates, numbers and plurals in the reader's language (docs/i18n.md, "Dates, numbers
and plurals"): the same page in Chinese and in English shows each language's date
format; numbers group thousands while machine values (ids, the exam timer, SVG
geometry) stay plain; a notification's date follows its recipient's language; English
counts say 1 application / 3 applications. Two scans keep the rules: no template
hard-codes a reader's date format, and no number in a machine attribute is localized."""

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.template import Context, Template
from django.test import Client
from django.utils import formats, timezone, translation

from certification.applications import services as applications
from certification.audit.services import audit_record
from certification.models import AuditEvent, Exam, Notification, Preference
from certification.sessions import services as sessions
from certification.sittings import services as sittings
from core.dates import date_text, date_text_lazy
from core.roles import Role
from tests.conftest import make_user
from tests.factories import approved_application, objective_exam
from tests.test_preferences import session_for

SLUG = "beginner-cv"
# 09:00 UTC is 17:00 in Shanghai.
DAY = datetime(2099, 1, 15, 9, 0, tzinfo=UTC)
TEMPLATE_FILES = sorted(
    [
        *(Path(settings.BASE_DIR) / "templates").rglob("*.html"),
        *Path(settings.BASE_DIR).glob("certification/*/templates/**/*.html"),
        *Path(settings.BASE_DIR).glob("ops/templates/**/*.html"),
    ]
)


def reader(user: Any, language: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client


def page(user: Any, language: str, path: str) -> str:
    response = reader(user, language).get(path)
    assert response.status_code == 200
    return response.content.decode()


def chinese_date(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def english_date(value: date) -> str:
    return f"{value.day} {value:%b} {value.year}"


# --- The formats --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "short_datetime", "long_date", "number"),
    [
        ("zh-hans", "2099年1月15日 17:00", "2099年1月15日", "12,345.5"),
        ("en", "15 Jan 2099, 17:00", "15 January 2099", "12,345.5"),
    ],
)
def test_each_language_has_its_date_and_number_formats(
    language, short_datetime, long_date, number
) -> None:
    with translation.override(language):
        assert date_text(DAY) == short_datetime  # in the site's zone, Asia/Shanghai
        assert date_text(DAY, fmt="DATE_FORMAT") == long_date
        assert date_text(DAY, fmt="TIME_FORMAT", zone="Europe/Berlin") == "10:00"
        assert formats.number_format(12345.5) == number
        rendered = Template("{{ n }} {{ n|unlocalize }} {% localize off %}{{ n }}{% endlocalize %}")
        assert rendered.render(Context({"n": 12345})) == "12,345 12345 12345"


def test_a_lazy_date_is_written_in_the_language_active_when_it_is_read() -> None:
    text = date_text_lazy(DAY, fmt="SHORT_DATE_FORMAT")
    with translation.override("en"):
        assert str(text) == "15 Jan 2099"
    with translation.override("zh-hans"):
        assert str(text) == "2099年1月15日"


# --- Pages in both languages ----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "when"),
    [("zh-hans", "2099年1月15日 17:00 – 20:00"), ("en", "15 Jan 2099, 17:00 – 20:00")],
)
def test_the_dashboard_shows_the_booked_sitting_in_the_readers_format(
    demo, candidate, language, when
) -> None:
    exam = objective_exam(certification=demo["certification"])
    approved_application(
        candidate=candidate, certification=demo["certification"], committee=demo["committee"]
    )
    booked = sittings.sitting_create(
        created_by=demo["committee"],
        exam_id=exam.pk,
        starts_at=DAY,
        ends_at=DAY + timedelta(hours=3),
        capacity=2,
        now=DAY - timedelta(days=5),
    )
    sittings.sitting_book(
        candidate=candidate, slug=SLUG, sitting_id=booked.pk, now=DAY - timedelta(days=3)
    )
    assert when in page(candidate, language, "/dashboard/")


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "show"), [("zh-hans", chinese_date), ("en", english_date)])
def test_the_audit_log_shows_seconds_in_the_readers_format_and_ids_plain(
    committee, language, show
) -> None:
    subject = User.objects.create(pk=12345, username="subject")
    audit_record(actor=committee, action="test.format", obj=subject)
    event = AuditEvent.objects.get(action="test.format")
    local = timezone.localtime(event.at)
    html = page(committee, language, "/committee/audit/?action=test.format")
    assert f"{show(local.date())} {local:%H:%M:%S}" in html
    assert "#12345<" in html and "12,345" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "body", "created"),
    [
        ("zh-hans", "2099年1月15日 16:00 (Asia/Shanghai)\n讲师生病", chinese_date),
        ("en", "15 Jan 2099, 16:00 (Asia/Shanghai)\n讲师生病", english_date),
    ],
)
def test_a_notification_is_dated_in_its_recipients_language(
    demo, candidate, language, body, created
) -> None:
    session = session_for(demo)
    sessions.registration_create(candidate=candidate, session_id=session.pk)
    Preference.objects.create(user=candidate, language=language)
    # Cancelled by a committee member reading Chinese: the recipient's language counts.
    with translation.override("zh-hans"):
        sessions.session_cancel(actor=demo["instructor"], session_id=session.pk, reason="讲师生病")
    notice = Notification.objects.get(recipient=candidate)
    assert notice.body == body
    listing = page(candidate, language, "/notifications/")
    assert created(timezone.localtime(notice.created_at).date()) in listing


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_exam_page_keeps_the_timer_and_ids_unlocalized(
    demo, candidate, committee, language
) -> None:
    exam = objective_exam(certification=demo["certification"])
    Exam.objects.filter(pk=exam.pk).update(time_limit_minutes=120)
    approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    client = reader(candidate, language)
    started = client.post(f"/certifications/{SLUG}/exam/", follow=True)
    html = started.content.decode()
    seconds = re.search(r'data-seconds-left="([^"]*)"', html)
    assert seconds is not None and seconds.group(1).isdigit() and int(seconds.group(1)) > 7000


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("count", "text"), [(1, "Page 1 of 1, 1 application"), (3, "Page 1 of 1, 3 applications")]
)
def test_english_counts_take_the_plural_they_need(demo, committee, count, text) -> None:
    for number in range(count):
        applications.application_submit(
            candidate=make_user(f"applicant{number}", Role.CANDIDATE),
            certification=demo["certification"],
            full_name="王小明",
            learning_history="在线课程",
            project_experience="手写数字识别",
        )
    assert text in page(committee, "en", "/committee/applications/")
    chinese = page(committee, "zh-hans", "/committee/applications/")
    assert f"共 {count} 份" in chinese


# --- Scans ------------------------------------------------------------------------------

NAMED_FORMATS = {
    "DATE_FORMAT",
    "SHORT_DATE_FORMAT",
    "DATETIME_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "TIME_FORMAT",
    "YEAR_MONTH_FORMAT",
    "MONTH_DAY_FORMAT",
}
# A 24-hour clock with seconds reads the same in both languages (audit and event logs).
LANGUAGE_NEUTRAL = {"time": {"H:i:s"}}
# ISO 8601 (c) and Unix time (U) are for machines: only inside an attribute value
# (<time datetime="…">, data-*), never as text a person reads.
MACHINE_FORMATS = {"c", "U"}
DATE_FILTER = re.compile(r"""\|(date|time):(["'])(.*?)\2""")
OPEN_ATTRIBUTE = re.compile(r"""[\w:-]+=(["'])(?:(?!\1).)*$""")


def hard_coded_dates(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        for match in DATE_FILTER.finditer(line):
            kind, fmt = match.group(1), match.group(3)
            if fmt in NAMED_FORMATS or fmt in LANGUAGE_NEUTRAL.get(kind, set()):
                continue
            if fmt in MACHINE_FORMATS and OPEN_ATTRIBUTE.search(line[: match.start()]):
                continue
            found.append(match.group(0))
    return found


def test_the_date_scan_catches_a_hard_coded_format() -> None:
    assert hard_coded_dates('<td>{{ x|date:"Y-m-d H:i" }}</td>') == ['|date:"Y-m-d H:i"']
    assert hard_coded_dates("<p>{{ x|date:'c' }}</p>") == ["|date:'c'"]
    assert hard_coded_dates("<b>{{ x|time:'H:i' }}</b>") == ["|time:'H:i'"]
    assert not hard_coded_dates(
        """<time datetime="{{ x|date:'c' }}">{{ x|date:"SHORT_DATETIME_FORMAT" }}</time>"""
    )


def test_no_template_hard_codes_a_date_format() -> None:
    offenders = {
        str(path.relative_to(settings.BASE_DIR)): found
        for path in TEMPLATE_FILES
        if (found := hard_coded_dates(path.read_text(encoding="utf-8")))
    }
    assert not offenders, "use a named format (SHORT_DATETIME_FORMAT…), see docs/i18n.md: " + repr(
        offenders
    )


# Attributes whose value a program reads (a form, a script, a URL, SVG geometry, an id).
MACHINE_ATTRIBUTE = re.compile(
    r"""(?<![\w-])(value|data-[\w-]+|id|for|name|href|action|src|min|max|step|x|y|x1|x2|y1|y2|"""
    r"""cx|cy|r|width|height|viewBox|points|transform|datetime|aria-labelledby|"""
    r"""aria-describedby|aria-controls|list|form)=(["'])(.*?)\2""",
    re.S,
)
VARIABLE = re.compile(r"\{\{\s*(.*?)\s*\}\}")
# Names that hold numbers in this project's templates (ids, counters, coordinates, the
# timer, quotas); a new one of these in an attribute needs |unlocalize.
NUMERIC_NAME = re.compile(
    r"(^|[._])(pk|id|number|counter0?|count|x|y|width|height|seconds|minutes|capacity|"
    r"booked|pass_mark|revision|round|credits|credits_required|completed|page|composite|"
    r"cut_score|seconds_left|mine|\w+_(width|height|x|y|id|seconds|count))$"
)
STRING_FILTERS = {"date", "time", "yesno", "stringformat", "urlencode", "slugify", "escapejs"}


def localized_machine_numbers(text: str) -> list[str]:
    found = []
    for attribute in MACHINE_ATTRIBUTE.finditer(text):
        for variable in VARIABLE.finditer(attribute.group(3)):
            base, *filters = [part.strip() for part in variable.group(1).split("|")]
            names = [f.split(":")[0] for f in filters]
            if "unlocalize" in names or (names and names[-1] in STRING_FILTERS):
                continue
            if (names and names[-1] in {"add", "length"}) or NUMERIC_NAME.search(base):
                found.append(f"{attribute.group(1)}={variable.group(0)}")
    return found


def test_the_number_scan_catches_a_localized_id() -> None:
    assert localized_machine_numbers('<input value="{{ s.pk }}">') == ["value={{ s.pk }}"]
    assert localized_machine_numbers('<rect x="{{ bar.x|add:4 }}">') == ["x={{ bar.x|add:4 }}"]
    assert not localized_machine_numbers('<input value="{{ s.pk|unlocalize }}">')
    assert not localized_machine_numbers('<p class="state-{{ app.state }}">{{ s.pk }}</p>')


def test_no_template_localizes_a_number_a_program_reads() -> None:
    offenders = {
        str(path.relative_to(settings.BASE_DIR)): found
        for path in TEMPLATE_FILES
        if (found := localized_machine_numbers(path.read_text(encoding="utf-8")))
    }
    assert not offenders, "add |unlocalize (USE_THOUSAND_SEPARATOR is on): " + repr(offenders)
