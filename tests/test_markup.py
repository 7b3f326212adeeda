"""Stems and feedback: Markdown with LaTeX math and code blocks, as sanitised HTML."""

import pytest

from training.markup import render_inline, render_markdown


def test_inline_and_display_math_become_mathml():
    html = render_markdown("ReLU is $\\max(0, x)$.\n\n$$E = mc^2$$")
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in html
    assert 'display="block"' in html and "<msup>" in html


def test_dollars_in_prose_and_code_stay_text():
    html = render_markdown("It costs $5 and $6.\n\n```python\nprice = '$x$'\n```\n\nand `$y$`")
    assert "<math" not in html
    assert "$5 and $6" in html and "$x$" in html and "<code>$y$</code>" in html


def test_bad_latex_shows_its_source():
    html = render_markdown("$\\frac{1}{$")
    assert "math-error" in html or "<math" in html


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[x](javascript:alert(1))",
        '$x$<iframe src="//evil"></iframe>',
        "<math><mi onclick=alert(1)>x</mi></math>",
    ],
)
def test_authored_content_never_carries_script(attack):
    html = render_markdown(attack).lower()
    for bad in ("<script", "onerror", "javascript:", "<iframe", "onclick"):
        assert bad not in html


def test_code_blocks_and_tables():
    html = render_markdown("```python\nimport torch\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<pre><code" in html and "import torch" in html and "<table>" in html


def test_inline_rendering_drops_the_paragraph():
    assert str(render_inline("**bold** $x^2$")).startswith("<strong>bold</strong> <math")
