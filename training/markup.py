import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe


def render_markdown(text: str) -> SafeString:
    """Markdown to HTML, sanitised with nh3: authored content never carries script."""
    html = markdown.markdown(text, extensions=["fenced_code", "tables"])
    return mark_safe(nh3.clean(html))  # noqa: S308 - sanitised just above


def render_inline(text: str) -> SafeString:
    """Markdown for a short phrase (a choice, a prompt): without the wrapping <p>."""
    html = str(render_markdown(text)).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return mark_safe(html)  # noqa: S308 - sanitised by render_markdown
