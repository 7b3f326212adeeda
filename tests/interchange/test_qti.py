"""QTI 2.1 samples (data/qti21, qtiworks, BSD-3 licence beside them): each supported
interaction imports; the others raise a clear "unsupported interaction" problem."""

import io
import zipfile
from pathlib import Path

import pytest

from training.interchange import ImportProblems, build, moodle_xml, qti
from training.interchange import types as t

DATA = Path(__file__).parent / "data" / "qti21"


def _one(name: str) -> t.ItemDraft:
    (draft,) = qti.parse((DATA / name).read_bytes()).drafts
    return draft


def test_choice_imports_as_single_choice_with_the_prompt_in_the_stem() -> None:
    draft = _one("choice.xml")

    assert draft.kind == t.SINGLE_CHOICE
    assert draft.name == "Unattended Luggage"
    assert draft.stem_format == "html"
    assert draft.stem.startswith("<p>Look at the text in the picture.</p>")
    assert draft.stem.endswith("<p>What does it say?</p>")
    assert draft.data["choices"][0]["text"] == "You must stay with your luggage at all times."
    assert draft.key == {"fractions": {"a": 1.0, "b": 0.0, "c": 0.0}}
    assert draft.data["shuffle"] is False
    assert _one("shufflechoice.xml").data["shuffle"] is True


def test_multiple_choice_takes_its_weights_from_the_mapping() -> None:
    draft = _one("choice_multiple.xml")

    assert draft.kind == t.MULTIPLE_CHOICE
    texts = {c["id"]: c["text"] for c in draft.data["choices"]}
    fractions = {texts[i]: f for i, f in draft.key["fractions"].items()}
    # mapping H=1, O=1, Cl=-1, others -2 (defaultValue), upperBound 2
    assert fractions == {
        "Hydrogen": 0.5,
        "Oxygen": 0.5,
        "Chlorine": -0.5,
        "Helium": -1.0,
        "Carbon": -1.0,
        "Nitrogen": -1.0,
    }


def test_text_entry_imports_as_fill_in_with_case_sensitive_mapped_answers() -> None:
    draft = _one("text_entry.xml")

    assert draft.kind == t.FILL_IN
    assert "sun of [[1]];" in draft.stem
    assert [(r["match"], r["value"], r["fraction"]) for r in draft.key["blanks"]["1"]] == [
        ("exact", "York", 1.0),
        ("exact", "york", 0.5),
    ]


def test_extended_text_imports_as_short_answer() -> None:
    draft = _one("extended_text.xml")

    assert draft.kind == t.SHORT_ANSWER
    assert draft.key == {"model_answer": "", "rubric": None}
    assert draft.stem.endswith(
        "<p>Write Sam a postcard. Answer the questions. Write 25-35 words.</p>"
    )


def test_inline_choice_imports_as_single_choice_with_a_blank_in_the_text() -> None:
    draft = _one("inline_choice.xml")

    assert draft.kind == t.SINGLE_CHOICE
    assert "sun of _____;" in draft.stem
    assert [c["text"] for c in draft.data["choices"]] == ["Gloucester", "Lancaster", "York"]
    assert draft.key == {"fractions": {"a": 0.0, "b": 0.0, "c": 1.0}}


def test_order_imports_as_ordering() -> None:
    draft = _one("order.xml")

    assert draft.kind == t.ORDERING
    items = {i["id"]: i["text"] for i in draft.data["items"]}
    assert [items[i] for i in draft.key["order"]] == [
        "Michael Schumacher",
        "Rubens Barrichello",
        "Jenson Button",
    ]


def test_match_imports_as_matching() -> None:
    draft = _one("match.xml")

    assert draft.kind == t.MATCHING
    prompts = {p["id"]: p["text"] for p in draft.data["prompts"]}
    options = {o["id"]: o["text"] for o in draft.data["options"]}
    assert {prompts[p]: options[o] for p, o in draft.key["pairs"].items()} == {
        "Capulet": "Romeo and Juliet",
        "Demetrius": "A Midsummer-Night's Dream",
        "Lysander": "A Midsummer-Night's Dream",
        "Prospero": "TheTempest",
    }


def test_inline_and_modal_feedback_become_choice_feedback() -> None:
    draft = _one("feedback.xml")

    texts = {c["text"]: c["id"] for c in draft.data["choices"]}
    assert draft.feedback["choices"][texts["Vicente Fox"]] == "Yes. Yes, that is correct."
    assert draft.feedback["choices"][texts["Tony Blair"]] == (
        "No, he is the Prime Minister of England. No, the correct answer is Vicente Fox."
    )
    assert "feedbackInline" not in draft.data["choices"][0]["text"]


@pytest.mark.parametrize(
    ("name", "line", "interaction"),
    [("gap_match.xml", 18, "gapMatchInteraction"), ("upload.xml", 11, "uploadInteraction")],
)
def test_unsupported_interactions_are_reported_and_nothing_is_imported(
    name: str, line: int, interaction: str
) -> None:
    data = (DATA / name).read_bytes()
    with pytest.raises(ImportProblems) as raised:
        qti.parse(data)
    (problem,) = raised.value.problems
    assert problem.line == line
    assert problem.reason.startswith(f"unsupported interaction <{interaction}>")

    skipped = qti.parse(data, skip_bad=True)
    assert skipped.drafts == () and skipped.skipped == (problem,)


def test_every_sample_is_covered_and_licensed() -> None:
    samples = {p.name for p in DATA.glob("*.xml")}
    assert samples == {
        "choice.xml",
        "choice_multiple.xml",
        "extended_text.xml",
        "feedback.xml",
        "gap_match.xml",
        "inline_choice.xml",
        "match.xml",
        "order.xml",
        "shufflechoice.xml",
        "text_entry.xml",
        "upload.xml",
    }
    assert (DATA / "LICENSE.txt").is_file()


MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="pkg">
  <resources>
    <resource identifier="r1" type="imsqti_item_xmlv2p1" href="items/choice.xml"/>
    <resource identifier="r2" type="imsqti_item_xmlv2p1" href="items/upload.xml"/>
    <resource identifier="r3" type="imsqti_item_xmlv2p1" href="items/order.xml"/>
    <resource identifier="r4" type="webcontent" href="images/sign.png"/>
  </resources>
</manifest>
"""


def _package(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_content_package_imports_its_items_in_manifest_order() -> None:
    files = {
        f"items/{n}": (DATA / n).read_bytes() for n in ("choice.xml", "upload.xml", "order.xml")
    }
    package = _package(
        {"imsmanifest.xml": MANIFEST.encode(), **files, "images/sign.png": b"\x89PNG"}
    )

    with pytest.raises(ImportProblems) as raised:
        qti.parse(package)
    result = qti.parse(package, skip_bad=True)

    (problem,) = raised.value.problems
    assert problem.line == 11
    assert problem.reason.startswith(
        "items/upload.xml: unsupported interaction <uploadInteraction>"
    )
    assert [d.kind for d in result.drafts] == [t.SINGLE_CHOICE, t.ORDERING]
    assert result.skipped == (problem,)


def test_a_package_without_manifest_imports_every_xml_file() -> None:
    package = _package(
        {
            "a.xml": (DATA / "match.xml").read_bytes(),
            "b.xml": (DATA / "text_entry.xml").read_bytes(),
        }
    )

    assert [d.kind for d in qti.parse(package).drafts] == [t.MATCHING, t.FILL_IN]


def test_a_broken_zip_is_refused() -> None:
    with pytest.raises(ImportProblems, match="有 1 处错误"):
        qti.parse(b"PK\x03\x04 not really a zip")


SUPPORTED_SAMPLES = sorted(
    p.name for p in DATA.glob("*.xml") if p.name not in ("gap_match.xml", "upload.xml")
)


@pytest.mark.parametrize("name", SUPPORTED_SAMPLES)
def test_qti_round_trip_keeps_every_draft(name: str) -> None:
    draft = _one(name)

    (again,) = qti.parse(qti.write_item(draft, "item1").encode()).drafts

    assert again == draft


def test_several_blanks_travel_as_several_text_entries() -> None:
    draft = t.ItemDraft(
        kind=t.FILL_IN,
        name="two blanks",
        stem="<p>[[1]] is to [[2]] as cat is to kitten.</p>",
        stem_format="html",
        data={"blanks": ["1", "2"]},
        key={
            "blanks": {
                "1": [
                    build.rule("ci", "Dog", fraction=1.0),
                    build.rule("exact", "Hound", fraction=0.5),
                ],
                "2": [build.rule("numeric", "3", fraction=1.0)],
            }
        },
        feedback={"general": "Young animals.", "blanks": {"1": ["", ""], "2": [""]}},
        points=2.0,
    )

    text = qti.write_item(draft, "item1")
    (again,) = qti.parse(text.encode()).drafts

    assert '<mapResponse identifier="RESPONSE_2" />' in text
    assert again == draft


def test_a_bank_exports_as_a_content_package_with_what_qti_cannot_hold_named() -> None:
    drafts = moodle_xml.parse((DATA.parent / "moodle" / "sample.xml").read_bytes()).drafts

    package = qti.write(drafts)
    archive = zipfile.ZipFile(io.BytesIO(package))
    back = qti.parse(package).drafts

    assert archive.read("not-exported.txt").decode().splitlines() == [
        "Framework: QTI text entries take exact, case-insensitive or exact numeric answers",
        "Learning rate: QTI mappings have no numeric tolerance or range",
        "Part two: description has no QTI 2.1 form here",
    ]
    assert [d.kind for d in back] == [
        t.SINGLE_CHOICE,
        t.MULTIPLE_CHOICE,
        t.SINGLE_CHOICE,
        t.MATCHING,
        t.SHORT_ANSWER,
        t.ORDERING,
    ]
    conv = back[0]
    # Markdown is rendered: LaTeX as MathML, code kept byte for byte inside <pre>.
    assert "<math" in conv.stem and "<mn>3</mn>" in conv.stem
    assert "# {x: 5x5}\n</code></pre>" in conv.stem
    assert (conv.points, conv.key, conv.feedback["general"]) == (
        2.0,
        {"fractions": {"a": 1.0, "b": 0.0, "c": -0.5}},
        "Output size is $n - k + 1$.",
    )
    assert back[4].key["model_answer"] == "Fits noise in the training set; generalises badly."
