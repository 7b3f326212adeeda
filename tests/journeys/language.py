"""One language to the last string: the UI strings of the other language's catalogue
must not appear on a page (a string left untranslated, or text that skipped gettext).

A page in English must not show any Chinese UI string (a msgid of the English
catalogue, a translation of the Chinese one); a page in Chinese must not show any
English one. Content (lesson texts, questions, names) is not UI: an element that says
its language (``lang="zh-Hans"`` on a Chinese lesson inside an English page) is left
out, as is text people wrote, marked ``lang=""`` (language unknown), as are strings
both catalogues spell the same (``PDF``, ``PyTorch``), code
and formulas (``<code>``, ``<pre>``, MathML: ``\\min`` is not English)."""

import re
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings

from tests.test_i18n import po_entries

LOCALE = Path(settings.BASE_DIR) / "locale"
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdfr]|%[sdfr]|\{[a-z_]*\}")
# BCP 47's "undetermined": what an element marked lang="" (language unknown) is in.
UNKNOWN = "und"
# Long strings also count when they appear inside a longer text; short ones only when
# they are a whole text or attribute, so that "提交" inside a question is not a hit.
LONG_HAN, LONG_WORDS = 8, 4

# Text nodes and the attributes a person or a screen reader meets, with the language
# of their nearest [lang] ancestor, from the page itself.
SEGMENTS = """() => {
  const out = [];
  const langOf = (el) => (el && el.closest('[lang]') ? el.closest('[lang]').lang || 'und' : '');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('script,style,template,noscript,[hidden],code,pre,kbd,samp,math,.math')) continue;
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (text) out.push([text, langOf(parent)]);
  }
  const attrs = ['aria-label', 'title', 'placeholder', 'alt', 'aria-description'];
  for (const el of document.body.querySelectorAll('*')) {
    for (const a of attrs) {
      const v = el.getAttribute(a);
      if (v && v.trim()) out.push([v.replace(/\\s+/g, ' ').trim(), langOf(el)]);
    }
    if (el.matches('input[type=submit],input[type=button]') && el.value)
      out.push([el.value.trim(), langOf(el)]);
  }
  out.push([document.title.trim(), document.documentElement.lang]);
  return out;
}"""


@dataclass(frozen=True)
class Catalogue:
    """The UI strings of one language, arranged for lookups: most are a whole text
    (a set), a few have placeholders (one pattern, matched whole), and long ones also
    count inside a longer text."""

    exact: frozenset[str]
    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    any_pattern: re.Pattern[str] | None
    inside: tuple[str, ...]

    def match(self, text: str) -> str | None:
        """The catalogue string ``text`` shows, or None."""
        if text in self.exact:
            return text
        if self.any_pattern is not None and self.any_pattern.fullmatch(text):
            return next(s for s, pattern in self.patterns if pattern.fullmatch(text))
        return next((s for s in self.inside if s in text), None)


# Placeholders that always stand for a count: they match figures only, so that
# "%(done)s / %(total)s question" does not match any "A / B ... question" sentence.
COUNTS = frozenset({"n", "done", "total", "count", "used", "seats", "quota", "passed"})


def _pattern_body(text: str) -> str:
    body, end = [], 0
    for match in PLACEHOLDER.finditer(text):
        body.append(re.escape(text[end : match.start()]))
        name = match.group()[2:-2] if match.group().startswith("%(") else ""
        numeric = name in COUNTS or match.group().endswith(("d", "f"))
        body.append(r"[\d.,\s]+?" if numeric else ".+?")
        end = match.end()
    body.append(re.escape(text[end:]))
    return "".join(body)


def _catalogue(strings: set[str], *, chinese: bool) -> Catalogue:
    exact: set[str] = set()
    patterns: list[tuple[str, re.Pattern[str]]] = []
    inside: list[str] = []
    for text in sorted(strings):
        parts = PLACEHOLDER.split(text)
        literal = "".join(parts)
        if len(parts) == 1:
            exact.add(text)
            long = (
                len(HAN.findall(literal)) >= LONG_HAN
                if chinese
                else len(text.split()) >= LONG_WORDS
            )
            if long:
                inside.append(text)
        elif re.search(r"\w", literal):  # "%(count)s" alone would match any text
            body = _pattern_body(text)
            patterns.append((text, re.compile(body)))
    any_pattern = (
        re.compile("|".join(f"(?:{p.pattern})" for _, p in patterns)) if patterns else None
    )
    return Catalogue(frozenset(exact), tuple(patterns), any_pattern, tuple(inside))


@cache
def ui_strings(language: str) -> Catalogue:
    """The UI strings of ``language`` ("zh-hans" or "en") from both catalogues."""
    chinese = language == "zh-hans"
    strings: set[str] = set()
    for catalogue in ("en", "zh_Hans"):
        for entry in po_entries(LOCALE / catalogue / "LC_MESSAGES" / "django.po"):
            msgid, msgstr = entry["msgid"], entry.get("msgstr", "")
            if msgid == msgstr:
                continue  # the same in both languages: not a language's own string
            for text in (msgid, msgstr):
                if text and bool(HAN.search(text)) == chinese and re.search(r"\w", text):
                    strings.add(" ".join(text.split()))
    return _catalogue(strings, chinese=chinese)


@cache
def _other_language_hit(text: str, other: str) -> str | None:
    return ui_strings(other).match(text)


def _marked_other(language: str, page_language: str) -> bool:
    """Whether an element's ``lang`` says it is not the page's UI: written in another
    language than the page (content), or ``lang=""``, in a language nobody knows
    (text people wrote: the ``user_text`` filter), which both readers report as
    ``UNKNOWN``."""
    if language == UNKNOWN:
        return True
    return bool(language) and language.lower()[:2] != page_language.lower()[:2]


def other_language_strings(segments: list[tuple[str, str]], page_language: str) -> list[str]:
    """The segments of a page in ``page_language`` that are UI strings of the other
    language, each with the catalogue string it matches."""
    other = "en" if page_language.lower().startswith("zh") else "zh-hans"
    found: list[str] = []
    for text, language in segments:
        if _marked_other(language, page_language):
            continue  # content marked as written in another language
        hit = _other_language_hit(text, other)
        if hit is not None:
            found.append(f"{text!r} (catalogue: {hit!r})")
    return found


VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
# As SEGMENTS: what no one reads as the page's language (code, formulas) or at all.
SKIPPED = {"script", "style", "template", "noscript", "code", "pre", "kbd", "samp", "math"}
ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "aria-description")


class _Segments(HTMLParser):
    """What ``SEGMENTS`` collects in the browser, from the served HTML: each text node
    and each attribute a person meets, with the language of its nearest ``lang``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str, bool]] = []  # tag, language, skipped
        self.segments: list[tuple[str, str]] = []  # text nodes
        self.attributes: list[tuple[str, str]] = []  # attribute values, the title
        self.in_body = False
        self.title: list[str] = []
        self.page_language = ""

    def _state(self) -> tuple[str, bool]:
        return (self.stack[-1][1], self.stack[-1][2]) if self.stack else ("", False)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        language, skipped = self._state()
        if "lang" in values:
            language = values["lang"] or UNKNOWN
        skipped = (
            skipped
            or tag in SKIPPED
            or "hidden" in values
            or "math" in values.get("class", "").split()
        )
        if tag == "html":
            self.page_language = language
        if tag == "body":
            self.in_body = True
        if self.in_body and not skipped:
            for name in ATTRIBUTES:
                if values.get(name, "").strip():
                    self.attributes.append((" ".join(values[name].split()), language))
            if (
                tag == "input"
                and values.get("type") in {"submit", "button"}
                and values.get("value")
            ):
                self.attributes.append((values["value"].strip(), language))
        if tag not in VOID:
            self.stack.append((tag, language, skipped))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth][0] == tag:
                del self.stack[depth:]
                break

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1][0] == "title":
            self.title.append(data)
            return
        language, skipped = self._state()
        text = " ".join(data.split())
        if self.in_body and not skipped and text:
            # A choice of a form's select often quotes content in its label, as an
            # attribute does ("初级 · 计算机视觉 · 1. 感知机"), and cannot mark a part of it.
            option = any(tag == "option" for tag, _, _ in self.stack)
            (self.attributes if option else self.segments).append((text, language))


@dataclass(frozen=True)
class HtmlPage:
    """A served page as ``SEGMENTS`` reads it in a browser (adjacent text nodes stay
    separate, as they are in the DOM): its text nodes, and apart from them the
    attribute values, the choices of selects and the title, which cannot mark a part
    of themselves as content."""

    language: str
    texts: list[tuple[str, str]]
    attributes: list[tuple[str, str]]

    @property
    def segments(self) -> list[tuple[str, str]]:
        return [*self.texts, *self.attributes]


def html_page(page: str) -> HtmlPage:
    parser = _Segments()
    parser.feed(page)
    parser.close()
    title = " ".join("".join(parser.title).split())
    return HtmlPage(
        parser.page_language,
        parser.segments,
        [*parser.attributes, (title, parser.page_language)],
    )


def untranslated_chinese(
    page: HtmlPage,
    *,
    content: frozenset[str] = frozenset(),
    names: frozenset[str] = frozenset(),
) -> list[str]:
    """On an English page: Chinese text not marked as content (an element with a
    ``lang`` other than English), whether or not the catalogue knows it. An attribute
    or the title ("Edit lesson · 感知机") cannot mark the content it quotes: the texts
    of ``content`` are taken out of them first. People's ``names`` are written as
    their owners wrote them, in no language of the page's: taken out everywhere."""
    if not page.language.lower().startswith("en"):
        return []
    found: list[str] = []
    for segments, known in ((page.texts, names), (page.attributes, content | names)):
        for text, language in segments:
            if _marked_other(language, page.language) or not HAN.search(text):
                continue
            if HAN.search(_without(text, known)):
                found.append(text)
    return found


def _without(text: str, content: frozenset[str]) -> str:
    for value in sorted((v for v in content if v in text), key=len, reverse=True):
        text = text.replace(value, " ")
    return text
