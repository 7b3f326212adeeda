"""Bad input: every problem is reported with its line and reason and nothing is
imported; with skip_bad the good items survive and the bad ones are listed."""

import pytest

from training.interchange import ImportProblems, Problem, gift, moodle_xml, parse, qti

BAD_GIFT = """\
// A file with good and bad questions mixed.
::good 1::What is 1 + 1?{#2}

::unclosed::Which layer is linear?{
=Linear
~Conv2d

::bad weight::Pick one.{=a ~%abc%b}

::good 2::Dropout is a regulariser.{TRUE}

::too many feedbacks::The sky is green.{FALSE#a#b#c}

::half matching::Match them.{
    =cat -> animal
    =rose
}

::not a number::How many layers?{#twelve}

::nothing right::Pick.{~a ~b}

::nested::Use {braces {here}} please.

::good 3::Name a framework.{=PyTorch =JAX}
"""


def test_bad_gift_file_reports_every_problem_with_its_line_and_imports_nothing() -> None:
    with pytest.raises(ImportProblems) as raised:
        gift.parse(BAD_GIFT)

    assert raised.value.problems == (
        Problem(4, "the answer block '{' is not closed with '}'"),
        Problem(8, "weight '%abc%' is not a number"),
        Problem(12, "a true/false answer takes at most two feedbacks"),
        Problem(16, "a matching question needs 'prompt -> answer' in every pair"),
        Problem(19, "'twelve' is not a number (write 12, 12:0.5 or 10..20)"),
        Problem(21, "no choice is correct (give one '=' or a positive weight)"),
        Problem(23, "'{' inside an answer block: write it as \\{"),
    )
    assert "有 7 处错误" in raised.value.message
    assert raised.value.extra["problems"] == [
        {"line": p.line, "reason": p.reason} for p in raised.value.problems
    ]
    assert raised.value.problems[0] == Problem(4, "the answer block '{' is not closed with '}'")


def test_bad_gift_file_with_skip_bad_keeps_the_good_items_and_lists_the_bad() -> None:
    result = gift.parse(BAD_GIFT, skip_bad=True)

    assert [d.name for d in result.drafts] == ["good 1", "good 2", "good 3"]
    assert [d.source_line for d in result.drafts] == [2, 10, 25]
    assert [p.line for p in result.skipped] == [4, 8, 12, 16, 19, 21, 23]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "the file holds no GIFT questions"),
        ("// only a comment\n", "the file holds no GIFT questions"),
        ("::title only:: {T}", "the question has no text"),
        ("::never closed {T}", "the title '::…' is not closed with '::'"),
        (
            "::t:: Q{=a} then {=b}",
            "more than one answer block in a question (embedded answers, cloze) is not supported; write a literal brace as \\{",
        ),
        ("::t:: Q{~a =b ~%150%c}", "weight 150% is outside -100%..100%"),
        ("::t:: Q{#5..1}", "numerical range '5..1': the low end is above the high end"),
        ("::t:: Q} {T}", "'}' outside an answer block: write it as \\}"),
        ("::t:: Q{=a ~b\n~}", "an empty choice"),
        ("::t:: Q{=a}", None),
    ],
)
def test_each_gift_mistake_has_a_clear_reason(text: str, reason: str | None) -> None:
    if reason is None:
        assert len(gift.parse(text).drafts) == 1
        return
    with pytest.raises(ImportProblems) as raised:
        gift.parse(text)
    assert [p.reason for p in raised.value.problems] == [reason]


def test_gift_that_is_not_utf8_is_refused_with_a_reason() -> None:
    with pytest.raises(ImportProblems) as raised:
        parse("gift", b"Caf\xe9?{T}")
    assert raised.value.problems[0].reason.startswith("the file is not UTF-8 text")


BAD_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="truefalse">
    <name><text>good</text></name>
    <questiontext format="html"><text>Adam is an optimiser.</text></questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>
  <question type="cloze">
    <name><text>embedded</text></name>
    <questiontext format="html"><text>{1:SHORTANSWER:=x}</text></questiontext>
  </question>
  <question type="truefalse">
    <name><text>one answer</text></name>
    <questiontext format="html"><text>Half a question.</text></questiontext>
    <answer fraction="100"><text>true</text></answer>
  </question>
  <question type="multichoice">
    <name><text>bad fraction</text></name>
    <questiontext format="html"><text>Pick.</text></questiontext>
    <answer fraction="lots"><text>a</text></answer>
  </question>
</quiz>
"""


def test_bad_moodle_xml_reports_each_question_with_its_line() -> None:
    with pytest.raises(ImportProblems) as raised:
        moodle_xml.parse(BAD_XML)

    assert raised.value.problems == (
        Problem(9, "unsupported question type 'cloze'"),
        Problem(13, "a true/false question needs one 'true' and one 'false' answer"),
        Problem(21, "fraction 'lots' is not a number"),
    )
    kept = moodle_xml.parse(BAD_XML, skip_bad=True)
    assert [d.name for d in kept.drafts] == ["good"]
    assert [p.line for p in kept.skipped] == [9, 13, 21]


@pytest.mark.parametrize("fmt", ["moodle-xml", "qti"])
def test_xml_that_is_not_well_formed_is_refused_with_its_line(fmt: str) -> None:
    with pytest.raises(ImportProblems) as raised:
        parse(
            fmt, b"<?xml version='1.0'?>\n<quiz>\n<question type='essay'>\n</quiz>\n", skip_bad=True
        )
    (problem,) = raised.value.problems
    assert problem.line == 4
    assert problem.reason.startswith("not well-formed XML: mismatched tag")


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<quiz><question type="essay"><name><text>&b;</text></name></question></quiz>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE assessmentItem [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<assessmentItem><itemBody>&x;</itemBody></assessmentItem>
"""


@pytest.mark.parametrize(("fmt", "payload"), [("moodle-xml", BOMB), ("qti", XXE)])
def test_entity_expansion_and_external_entities_are_refused(fmt: str, payload: bytes) -> None:
    with pytest.raises(ImportProblems) as raised:
        parse(fmt, payload)
    assert raised.value.problems == (
        Problem(2, "DTDs, entity declarations and external references are not allowed"),
    )


def test_wrong_root_elements_say_what_was_expected() -> None:
    with pytest.raises(ImportProblems, match="有 1 处错误"):
        moodle_xml.parse(b"<assessmentItem/>")
    with pytest.raises(ImportProblems) as raised:
        qti.parse(b"<questestinterop/>")
    assert raised.value.problems[0].reason == "QTI 1.x is not supported; export QTI 2.1 items"


def test_unknown_format_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown import format"):
        parse("csv", "")
