"""The English UI: the catalogue is complete and compiled, and the pages a visitor, a
new candidate and an examinee see are in English when the browser asks for English
(or the visitor picks it), and in Chinese otherwise.

Demo data (certification names, levels, domains, exam questions) is Chinese content,
not UI; the pages are checked for Chinese left over once that data is taken out."""

import ast
import gettext
import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client

from tests.factories import approved_application
from training.markup import render_markdown

LOCALE = Path(settings.BASE_DIR) / "locale"
EN_PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"
EN_MO = LOCALE / "en" / "LC_MESSAGES" / "django.mo"
TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Site-wide templates and each certification area's own (certification/<area>/templates).
TEMPLATE_FILES = sorted(
    [
        *TEMPLATES.rglob("*.html"),
        *Path(settings.BASE_DIR).glob("certification/*/templates/**/*.html"),
    ]
)
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[sd]")
PASSWORD = "correct horse battery staple"


def po_entries(path: Path) -> list[dict[str, Any]]:
    """(msgid, msgstr, flags) of each entry of a .po file, header left out."""
    entries: list[dict[str, Any]] = []
    entry: dict[str, Any] = {"flags": set()}
    field = None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith(("msgid ", "msgid_plural ", "msgstr ", "msgstr[")):
            field, _, literal = line.partition(" ")
            entry[field] = ast.literal_eval(literal)
        elif line.startswith('"') and field:
            entry[field] += ast.literal_eval(line)
        elif not line.strip():
            if entry.get("msgid"):
                forms = [v for k, v in entry.items() if k.startswith("msgstr[")]
                if forms:  # a plural entry counts as translated when every form is
                    entry["msgstr"] = forms[0] if all(forms) else ""
                    entry["msgstr_forms"] = forms
                entries.append(entry)
            entry, field = {"flags": set()}, None
    return entries


def leftover_chinese(page: str, data: set[str]) -> list[str]:
    """Runs of Chinese characters on the page once data and the language picker's
    own name for Chinese (shown in Chinese on purpose) are taken out."""
    text = html.unescape(page)
    for value in sorted(data | {"简体中文"}, key=len, reverse=True):
        text = text.replace(value, " ")
    return HAN.findall(text)


def demo_data() -> set[str]:
    """Every text stored by the certification and training apps (names, titles, exam
    questions and their choices): content, whatever model it lives in."""
    data: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, str):
            data.add(value)
            # Stems and choices are shown as rendered Markdown: their text pieces
            # are content too.
            rendered = html.unescape(re.sub(r"<[^>]+>", "\n", str(render_markdown(value))))
            data.update(piece.strip() for piece in rendered.splitlines() if piece.strip())
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list | tuple):
            for item in value:
                collect(item)

    for label in ("certification", "training"):
        for model in apps.get_app_config(label).get_models():
            fields = [
                f.attname
                for f in model._meta.concrete_fields
                if isinstance(f, models.CharField | models.TextField | models.JSONField)
            ]
            for row in model._default_manager.values_list(*fields) if fields else []:
                collect(row)
    return {value for value in data if value.strip()}


def en_client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


# The catalogue ----------------------------------------------------------------


def test_every_english_msgid_is_translated_and_not_fuzzy() -> None:
    entries = po_entries(EN_PO)
    assert len(entries) > 100
    untranslated = [e["msgid"] for e in entries if not e.get("msgstr")]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_english_translations_keep_placeholders_and_drop_chinese() -> None:
    for entry in po_entries(EN_PO):
        msgid, msgstr = entry["msgid"], entry["msgstr"]
        # Named placeholders may appear once in the English of a bilingual msgid that has
        # them in both halves; positional ones must keep their count.
        found = PLACEHOLDER.findall(msgid)
        for form in entry.get("msgstr_forms", [msgstr]):
            kept = PLACEHOLDER.findall(form)
            assert {p for p in found if "(" in p} == {p for p in kept if "(" in p}, msgid
            assert sorted(p for p in found if "(" not in p) == sorted(
                p for p in kept if "(" not in p
            ), msgid
        if msgid != "简体中文":  # the language picker names each language in itself
            assert not HAN.search(msgstr), (msgid, msgstr)


def test_compiled_catalogue_matches_the_po_file() -> None:
    """The .mo files are committed; a stale one would silently show old text."""
    with EN_MO.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for entry in po_entries(EN_PO):
        if "msgstr_forms" in entry:
            for n, form in enumerate(entry["msgstr_forms"][:2]):
                assert (
                    compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1 if n == 0 else 2)
                    == form
                )
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]
    assert (LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po").exists()


def test_every_template_string_is_in_the_english_catalogue() -> None:
    """A {% translate %} added without `make messages` would stay Chinese in English."""
    translated = {e["msgid"] for e in po_entries(EN_PO) if e.get("msgstr")}
    tag = re.compile(r"""{%\s*(?:translate|trans)\s+(?:"([^"]*)"|'([^']*)')""")
    missing = []
    for template in TEMPLATE_FILES:
        for match in tag.finditer(template.read_text(encoding="utf-8")):
            msgid = match.group(1) if match.group(1) is not None else match.group(2)
            # makemessages doubles a literal % in a template string (and the tag undoes it)
            if msgid not in translated and msgid.replace("%", "%%") not in translated:
                missing.append(f"{template.relative_to(settings.BASE_DIR)}: {msgid}")
    assert missing == []


# Pages ------------------------------------------------------------------------


@pytest.mark.django_db
def test_home_page_in_english(demo) -> None:
    page = en_client().get("/").content.decode()
    assert '<html lang="en">' in page
    for text in (
        "Certification Exam Engine",
        "AI Skills Certification",
        "Certification programmes",
        "Cut score",
        "Training courses",
        "Log in",
        "Register",
        ">Apply<",
    ):
        assert text in page, text
    for text in (
        "认证考试引擎",
        "人工智能应用能力认证",
        "认证项目",
        "合格线",
        "培训课程",
        "登录",
        "报名",
    ):
        assert text not in page.replace(demo["certification"].name, ""), text
    assert leftover_chinese(page, demo_data()) == []


@pytest.mark.django_db
def test_home_page_in_chinese(demo) -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/").content.decode()
    assert '<html lang="zh-hans">' in page
    for text in ("认证考试引擎", "人工智能应用能力认证", "认证项目", "合格线", "培训课程"):
        assert text in page, text
    assert "Certification programmes" not in page
    # Chinese is also the default when the browser states no preference.
    assert "人工智能应用能力认证" in Client().get("/").content.decode()


@pytest.mark.django_db
def test_language_switch_applies_to_the_next_page(demo) -> None:
    client = Client()
    assert "人工智能应用能力认证" in client.get("/").content.decode()

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert "AI Skills Certification" in page
    assert "人工智能应用能力认证" not in page

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "人工智能应用能力认证" in client.get("/").content.decode()


@pytest.mark.django_db
def test_login_page_in_english(db) -> None:
    page = en_client().get("/accounts/login/").content.decode()
    for text in (
        "<h1>Log in</h1>",
        "Username",
        "Password",
        "No account yet?",
        "Register as a candidate",
    ):
        assert text in page, text
    assert leftover_chinese(page, set()) == []


@pytest.mark.django_db
def test_registration_page_in_english(db) -> None:
    client = en_client()
    page = client.get("/accounts/register/").content.decode()
    for text in ("Candidate registration", "Username", "Email", "Password"):
        assert text in page, text
    assert leftover_chinese(page, set()) == []

    response = client.post(
        "/accounts/register/",
        {"username": "dana", "email": "dana@example.org", "password": PASSWORD},
        follow=True,
    )
    page = response.content.decode()
    assert "Welcome!" in page
    assert "My certifications" in page
    assert "You have not applied for a certification yet." in page
    assert leftover_chinese(page, set()) == []


@pytest.mark.django_db
def test_candidate_dashboard_and_exam_page_in_english(demo, candidate, committee) -> None:
    approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    client = en_client()
    response = client.post(
        "/accounts/login/", {"username": candidate.username, "password": PASSWORD}, follow=True
    )
    dashboard = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("/dashboard/")
    for text in ("My certifications", "Application status", "Approved", "Start the written exam"):
        assert text in dashboard, text
    data = demo_data()
    assert leftover_chinese(dashboard, data) == []

    response = client.post(f"/certifications/{demo['certification'].slug}/exam/", follow=True)
    exam = response.content.decode()
    assert "/attempts/" in response.redirect_chain[-1][0]
    for text in ("Time left", "All answers saved", "Submit exam", "pts"):
        assert text in exam, text
    assert leftover_chinese(exam, data) == []

    # The exam script's strings come from a JSON block in the template.
    block = re.search(r'<script id="i18n" type="application/json">(.*?)</script>', exam, re.S)
    assert block is not None
    strings = json.loads(block.group(1))
    assert strings["saved"] == "Saved"
    assert strings["confirm"] == "Submit the exam? Your answers cannot be changed afterwards."
    assert not any(HAN.search(value) for value in strings.values())
