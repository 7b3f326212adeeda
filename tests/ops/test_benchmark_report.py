"""``manage.py benchmark``: real suites gathered into one report; a suite that fails
or lacks a tool is reported as not run with its reason, and no figure is made up."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.benchmarks import measures_json
from grading.bench.item_analysis import measures as item_analysis_measures
from ops.benchmarks import (
    Suite,
    measures_parse,
    report_failed,
    report_run,
    report_table,
    suite_run,
    suites,
)


def _small_item_analysis(quick: bool) -> list:
    return item_analysis_measures(candidates=400, items=10, runs=1)


SMALL = Suite("item-analysis", function=_small_item_analysis)
NO_JSON = Suite("no-json", "check")  # a real command that has no --json option
NO_TOOL = Suite("no-tool", "check", needs=("certengine-no-such-tool",))


def test_a_real_suite_gives_its_measures():
    result = suite_run(SMALL, quick=True)
    assert result.error is None
    assert [m["unit"] for m in result.measures] == ["s", "s"]
    # Fewer than the target's 1,000,000 responses: a figure, but no verdict.
    assert all(m["ours"] > 0 and m["held"] is None for m in result.measures)


def test_a_suite_without_json_is_reported_not_run_with_its_error():
    result = suite_run(NO_JSON, quick=True)
    assert result.measures == []
    assert result.error is not None and "--json" in result.error


def test_a_suite_whose_tool_is_missing_is_not_run():
    result = suite_run(NO_TOOL, quick=True)
    assert (result.measures, result.error) == ([], "needs certengine-no-such-tool")


def test_the_report_table_shows_figures_and_reasons_and_strict_lists_them():
    report = report_run([SMALL, NO_JSON, NO_TOOL], quick=True)
    table = report_table(report)
    assert "| item-analysis | item analysis, 4,000 responses" in table
    assert "| no-json | not run: CommandError" in table
    assert "| no-tool | not run: needs certengine-no-such-tool |" in table
    for key in ("nproc", "cpu", "commit", "date", "load_before", "load_after"):
        assert key in report["machine"]
    assert report_failed(report) == ["no-json: not run", "no-tool: not run"]


def test_the_json_output_is_one_object_with_every_suite():
    out = io.StringIO()
    call_command("benchmark", "--quick", "--json", "--only", "item-analysis", stdout=out)
    report = json.loads(out.getvalue())
    (suite,) = report["suites"]
    assert suite["run"] and len(suite["measures"]) == 2
    assert all(m["held"] is True for m in suite["measures"])  # 1,000,000 in well under 2 s
    assert report["quick"] is True


def test_strict_fails_only_when_asked():
    with pytest.raises(CommandError, match="unknown suites"):
        call_command("benchmark", "--only", "nonesuch", stdout=io.StringIO())


def test_measures_are_parsed_from_the_last_json_line_and_checked():
    line = measures_json(_small_item_analysis(True))
    assert len(measures_parse(f"some progress\n{line}\n")) == 2
    with pytest.raises(ValueError, match="no JSON"):
        measures_parse("1,000 saves/s")
    with pytest.raises(ValueError, match="malformed"):
        measures_parse(json.dumps({"measures": [{"measure": "x", "ours": 1}]}))


def test_every_suite_of_the_docs_is_in_the_report():
    names = [suite.name for suite in suites()]
    assert names == [
        "exam",
        "item-analysis",
        "sandbox",
        "practical",
        "credentials",
        "pages",
        "study-plan",
        "committee",
    ]
