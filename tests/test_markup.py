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


def test_english_blocks_of_bilingual_content_say_their_language():
    """Programme content is a Chinese block, then the same in English: the English
    blocks are marked, the Chinese ones inherit the content language of the page."""
    html = render_markdown(
        "## 1. 感知机 / The perceptron\n\n1958 年，Rosenblatt 提出感知机。\n\n"
        "In 1958 Rosenblatt proposed the perceptron, $w^\\top x + b$.\n\n"
        "- Explain the rule\n- 解释规则\n\n```python\nimport torch\n```\n\n见 `torch.nn`。"
    )
    assert "<h2>1. 感知机 / The perceptron</h2>" in html
    assert "<p>1958 年，Rosenblatt 提出感知机。</p>" in html
    assert '<p lang="en">In 1958 Rosenblatt proposed the perceptron, <math' in html
    assert '<li lang="en">Explain the rule</li>' in html and "<li>解释规则</li>" in html
    # Code is no language's prose: a code block stays as it was, unwrapped.
    assert (
        '<pre><code class="language-python">import torch' in html
        and '<p lang="en"></p>' not in html
    )
    assert "<p>见 <code>torch.nn</code>。</p>" in html


def test_an_english_phrase_rendered_inline_loses_its_paragraph():
    assert str(render_inline("Linear layer")) == "Linear layer"
