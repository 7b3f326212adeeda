"""Authored content says its language (issue 16): a bilingual name is shown in the
page's language and marked with it; content in one language is marked with the
content language; the check of tests/test_every_page_language.py finds what is not."""

from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import translation

from tests.journeys.language import html_page, other_language_strings, untranslated_chinese
from training.templatetags.content_tags import content_filter, name_lang_filter

pytestmark = pytest.mark.django_db


def test_a_bilingual_name_is_shown_in_the_language_of_the_page() -> None:
    level = SimpleNamespace(name="初级", name_en="Beginner")
    with translation.override("en"):
        assert name_lang_filter(level) == '<span lang="en">Beginner</span>'
    with translation.override("zh-hans"):
        assert name_lang_filter(level) == '<span lang="zh-Hans">初级</span>'


def test_a_name_without_english_is_shown_in_chinese_and_says_so() -> None:
    with translation.override("en"):
        assert name_lang_filter(SimpleNamespace(name="初级", name_en="")) == (
            '<span lang="zh-Hans">初级</span>'
        )


def test_content_is_escaped_and_marked_with_the_content_language() -> None:
    assert (
        content_filter("<b>感知机</b>") == '<span lang="zh-Hans">&lt;b&gt;感知机&lt;/b&gt;</span>'
    )


def test_the_home_page_names_certifications_in_the_page_language(demo) -> None:
    certification = demo["certification"]
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get("/").content.decode()
    level = certification.level
    assert f'<span lang="en">{level.name_en}</span>' in english
    assert f'<span lang="zh-Hans">{level.name}</span>' in chinese
    assert f'<small lang="en">{certification.name_en}</small>' in english


PAGE = """<html lang="{language}"><head><title>{title}</title></head><body>
<select aria-label="Language"><option lang="zh-hans">简体中文</option><option lang="en">English</option></select>
<h1>{heading}</h1><div lang="zh-Hans"><p>感知机</p><p lang="en">The perceptron</p></div>
<pre>x = "损失"</pre><code>中文</code><input type="submit" value="{button}"></body></html>"""


def test_the_check_finds_unmarked_chinese_and_the_other_languages_ui() -> None:
    """The control for the every-page check: what it must find, and what it leaves."""
    clean = html_page(PAGE.format(language="en", title="Lessons", heading="Lessons", button="Save"))
    assert untranslated_chinese(clean) == []
    assert other_language_strings(clean.segments, clean.language) == []

    leaky = html_page(PAGE.format(language="en", title="课程", heading="感知机", button="保存"))
    assert untranslated_chinese(leaky) == ["感知机", "保存", "课程"]
    assert any("'保存'" in problem for problem in other_language_strings(leaky.segments, "en"))
    # Content that an attribute or the title quotes is known, not marked; a text node
    # has to say its language.
    known = frozenset({"感知机", "课程"})
    assert untranslated_chinese(leaky, content=known) == ["感知机", "保存"]

    chinese = html_page(
        PAGE.format(language="zh-hans", title="课程", heading="Log in", button="保存")
    )
    assert untranslated_chinese(chinese) == []
    assert [p for p in other_language_strings(chinese.segments, "zh-hans") if "Log in" in p]
