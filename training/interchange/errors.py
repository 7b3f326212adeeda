"""Import errors. A parse collects every problem it finds before it gives up, so an
author fixes the whole file at once."""

from collections.abc import Sequence

from django.utils.translation import ngettext

from core.errors import ApplicationError
from training.interchange.types import ItemDraft, ParseResult, Problem


class ImportProblems(ApplicationError):
    """The file has problems; nothing from it was imported. ``problems`` lists each
    with its line and reason, in file order."""

    code = "import_problems"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(problems, key=lambda p: p.line))
        count = len(self.problems)
        super().__init__(
            ngettext(
                "导入文件有 %(count)d 处错误，未导入任何题目",
                "导入文件有 %(count)d 处错误，未导入任何题目",
                count,
            )
            % {"count": count},
            extra={"problems": [{"line": p.line, "reason": p.reason} for p in self.problems]},
        )


class ItemError(Exception):
    """Raised inside a parser for one bad item; the parser records it as a Problem."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason

    def problem(self) -> Problem:
        return Problem(self.line, self.reason)


def parse_result(
    drafts: Sequence[ItemDraft],
    problems: Sequence[Problem],
    *,
    skip_bad: bool,
    categories: Sequence[tuple[str, ...]] = (),
) -> ParseResult:
    """The parse's answer: raises :class:`ImportProblems` when anything was wrong,
    unless ``skip_bad``, in which case the good drafts come back with the problems as
    ``skipped``."""
    if problems and not skip_bad:
        raise ImportProblems(problems)
    ordered = tuple(sorted(problems, key=lambda p: p.line))
    return ParseResult(drafts=tuple(drafts), skipped=ordered, categories=tuple(categories))
