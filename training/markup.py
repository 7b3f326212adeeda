"""Markdown with LaTeX math and code blocks, rendered to sanitised HTML.

Math (``$…$`` inline, ``$$…$$`` display) is converted on the server to MathML,
which browsers render natively: no script, nothing fetched. Everything else is
Markdown; the result is cleaned with nh3 so authored content never carries script.
"""

import re
from functools import lru_cache

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from latex2mathml.converter import convert as latex_to_mathml

# $$…$$ first, then $…$ that does not start or end with a space (so "$5 and $6"
# stays text); a backslash-escaped \$ is a literal dollar.
_MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|(?<![\\$])\$(?!\s)(.+?)(?<![\s\\])\$(?!\$)", re.S)

MATHML_TAGS = {
    "math",
    "semantics",
    "annotation",
    "mrow",
    "mi",
    "mn",
    "mo",
    "ms",
    "mtext",
    "mspace",
    "msup",
    "msub",
    "msubsup",
    "mfrac",
    "msqrt",
    "mroot",
    "mover",
    "munder",
    "munderover",
    "mtable",
    "mtr",
    "mtd",
    "mstyle",
    "mpadded",
    "mphantom",
    "menclose",
    "merror",
}
MATHML_ATTRIBUTES = {
    "xmlns",
    "display",
    "mathvariant",
    "stretchy",
    "fence",
    "separator",
    "accent",
    "accentunder",
    "movablelimits",
    "lspace",
    "rspace",
    "width",
    "height",
    "depth",
    "linethickness",
    "columnalign",
    "rowalign",
    "columnspacing",
    "rowspacing",
    "displaystyle",
    "scriptlevel",
    "notation",
    "form",
    "largeop",
    "symmetric",
    "minsize",
    "maxsize",
    "encoding",
}
ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) | MATHML_TAGS | {"span"}
ALLOWED_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    **{tag: MATHML_ATTRIBUTES for tag in MATHML_TAGS},
    "code": {"class"},
    "span": {"class"},
}


def _math_to_mathml(source: str, *, display: bool) -> str:
    try:
        mathml = latex_to_mathml(source.strip(), display="block" if display else "inline")
    except Exception:
        from html import escape

        return f'<span class="math-error">{escape(source)}</span>'
    return str(mathml)


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> SafeString:
    """Markdown (+ LaTeX math, fenced code, tables) to sanitised HTML. Cached: item
    versions are immutable, and an exam page renders the same stems for everyone."""
    formulas: list[str] = []

    def stash(match: re.Match[str]) -> str:
        display = match.group(1) is not None
        formulas.append(_math_to_mathml(match.group(1) or match.group(2), display=display))
        return f"\x00MATH{len(formulas) - 1}\x00"

    # Code spans and blocks keep their dollars: only text outside them is math.
    parts = re.split(r"(```.*?```|`[^`\n]*`)", text, flags=re.S)
    with_placeholders = "".join(
        part if part.startswith("`") else _MATH.sub(stash, part) for part in parts
    )
    html = markdown.markdown(with_placeholders, extensions=["fenced_code", "tables"])
    html = re.sub(r"\x00MATH(\d+)\x00", lambda m: formulas[int(m.group(1))], html)
    return mark_safe(  # noqa: S308 - sanitised by nh3 here
        nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES)
    )


@lru_cache(maxsize=16384)
def render_inline(text: str) -> SafeString:
    """Markdown for a short phrase (a choice, a prompt): without the wrapping <p>.
    Cached as ``render_markdown`` is: an exam start renders every choice."""
    html = str(render_markdown(text)).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return mark_safe(html)  # noqa: S308 - sanitised by render_markdown
