"""Authored content in a page says its language, so that a screen reader reads it
in that language and the UI language checks leave it out (issue 16).

Text people write (mentoring threads) is in no known language: ``user_text`` marks
it ``lang=""``. Content written in one language (lesson bodies, questions, rubrics, titles) is in
``settings.CONTENT_LANGUAGE``; a bilingual name (``name`` and ``name_en``: levels,
domains, certifications) is shown in the language of the page, and marked with the
language it is shown in. Builtins of every template (config/settings.py)."""

from typing import Any

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()


@register.filter(name="content")
def content_filter(text: Any) -> SafeString:
    """``text`` (escaped unless already safe, as rendered Markdown is) in a span that
    says it is written in the content language."""
    return format_html('<span lang="{}">{}</span>', settings.CONTENT_LANGUAGE, text)


@register.filter(name="user_text")
def user_text_filter(text: Any) -> SafeString:
    """Text a person wrote (a mentoring thread's subject), escaped, in a span with
    ``lang=""``: its language is unknown (the author's UI language says nothing about
    the language they write in), which HTML says with the empty value. A screen
    reader then guesses by the script instead of reading it in the page's voice, and
    the language checks (tests/journeys/language.py) leave it out: it is not UI."""
    return format_html('<span lang="">{}</span>', text)


def localized(obj: Any) -> tuple[str, str]:
    """A bilingual name in the page's language, and that language: the English name
    on an English page where one was entered, else the Chinese one."""
    if (get_language() or "").startswith("en") and obj.name_en:
        return obj.name_en, "en"
    return obj.name, settings.CONTENT_LANGUAGE


@register.filter(name="name_lang")
def name_lang_filter(obj: Any) -> SafeString:
    """A bilingual name (``name``/``name_en``) in the page's language, in a span that
    says which language it is in."""
    name, language = localized(obj)
    return format_html('<span lang="{}">{}</span>', language, name)
