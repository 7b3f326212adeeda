"""One language to the last string: the UI strings of the other language's catalogue
must not appear on a page (a string left untranslated, or text that skipped gettext).

A page in English must not show any Chinese UI string (a msgid of the English
catalogue, a translation of the Chinese one); a page in Chinese must not show any
English one. Content (lesson texts, questions, names) is not UI: an element that says
its language (``lang="zh-Hans"`` on a Chinese lesson inside an English page) is left
out, as are strings both catalogues spell the same (``PDF``, ``PyTorch``), code
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
# Long strings also count when they appear inside a longer text; short ones only when
# they are a whole text or attribute, so that "提交" inside a question is not a hit.
LONG_HAN, LONG_WORDS = 8, 4

# Text nodes and the attributes a person or a screen reader meets, with the language
# of their nearest [lang] ancestor, from the page itself.
SEGMENTS = """() => {
  const out = [];
  const langOf = (el) => (el && el.closest('[lang]') ? el.closest('[lang]').lang : '');
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
class UiString:
    text: str
    whole: re.Pattern[str]
    inside: re.Pattern[str] | None


def _ui_string(text: str, *, chinese: bool) -> UiString:
    text = " ".join(text.split())
    parts = PLACEHOLDER.split(text)
    body = ".+?".join(re.escape(part) for part in parts)
    literal = "".join(parts)
    long = len(HAN.findall(literal)) >= LONG_HAN if chinese else len(literal.split()) >= LONG_WORDS
    inside = re.compile(body) if long and len(parts) == 1 else None
    return UiString(text, re.compile(body), inside)


@cache
def ui_strings(language: str) -> tuple[UiString, ...]:
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
                    strings.add(text)
    return tuple(_ui_string(s, chinese=chinese) for s in sorted(strings))


def other_language_strings(segments: list[tuple[str, str]], page_language: str) -> list[str]:
    """The segments of a page in ``page_language`` that are UI strings of the other
    language, each with the catalogue string it matches."""
    page_language = page_language.lower()
    other = "en" if page_language.startswith("zh") else "zh-hans"
    found: list[str] = []
    for text, language in segments:
        if language and language.lower()[:2] != page_language[:2]:
            continue  # content marked as written in another language
        for ui in ui_strings(other):
            if ui.whole.fullmatch(text) or (ui.inside and ui.inside.search(text)):
                found.append(f"{text!r} (catalogue: {ui.text!r})")
                break
    return found


VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
SKIPPED = {"script", "style", "template", "noscript"}
ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "aria-description")


class _Segments(HTMLParser):
    """What ``SEGMENTS`` collects in the browser, from the served HTML: each text node
    and each attribute a person meets, with the language of its nearest ``lang``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str, bool]] = []  # tag, language, skipped
        self.segments: list[tuple[str, str]] = []
        self.in_body = False
        self.title: list[str] = []
        self.page_language = ""

    def _state(self) -> tuple[str, bool]:
        return (self.stack[-1][1], self.stack[-1][2]) if self.stack else ("", False)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        language, skipped = self._state()
        language = values.get("lang", language)
        skipped = skipped or tag in SKIPPED or "hidden" in values
        if tag == "html":
            self.page_language = language
        if tag == "body":
            self.in_body = True
        if self.in_body and not skipped:
            for name in ATTRIBUTES:
                if values.get(name, "").strip():
                    self.segments.append((" ".join(values[name].split()), language))
            if (
                tag == "input"
                and values.get("type") in {"submit", "button"}
                and values.get("value")
            ):
                self.segments.append((values["value"].strip(), language))
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
            self.segments.append((text, language))


def html_segments(page: str) -> tuple[str, list[tuple[str, str]]]:
    """The page's language and its segments, as ``SEGMENTS`` reads them in a browser
    (adjacent text nodes stay separate, as they are in the DOM)."""
    parser = _Segments()
    parser.feed(page)
    parser.close()
    title = " ".join("".join(parser.title).split())
    return parser.page_language, [*parser.segments, (title, parser.page_language)]


def untranslated_chinese(segments: list[tuple[str, str]], page_language: str) -> list[str]:
    """On an English page: Chinese text not marked as content (an element with a
    ``lang`` other than English), whether or not the catalogue knows it."""
    if not page_language.lower().startswith("en"):
        return []
    return [
        text
        for text, language in segments
        if HAN.search(text) and not (language and not language.lower().startswith("en"))
    ]
