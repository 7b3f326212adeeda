"""The shape of the code that docs/architecture.md promises, checked on every run:
small modules and functions, and no import hidden inside a function to dodge a
cycle. (The arrows between apps and areas are import-linter's contracts in
pyproject.toml, run by `make lint`.)"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "certification", "grading", "training", "sandbox", "config", "ops")
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60
# A module may say why it is longer, in its docstring: a line starting "Long: ".
REASON = "Long: "


def our_modules() -> list[Path]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "migrations" in parts or path.parent.name in ("solutions", "starter", "check"):
                continue
            found.append(path)
    return found


def has_reason(tree: ast.Module) -> bool:
    doc = ast.get_docstring(tree) or ""
    return any(line.strip().startswith(REASON) for line in doc.splitlines())


@pytest.mark.parametrize("path", our_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_and_functions_are_small_or_say_why(path: Path) -> None:
    source = path.read_text()
    tree = ast.parse(source)
    if has_reason(tree):
        return
    lines = source.count("\n")
    assert lines <= MAX_MODULE_LINES, f"{lines} lines: split it, or say why ('{REASON}…')"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (node.end_lineno or 0) - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


@pytest.mark.parametrize("path", our_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_import_of_our_own_code_hides_in_a_function(path: Path) -> None:
    """A function-level import of our own code usually hides an import cycle. Where
    one is needed (Django must be set up first, say), the line says why."""
    source = path.read_text()
    lines = source.splitlines()
    hidden = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and inner.level == 0 and inner.module:
                names = [inner.module]
            elif isinstance(inner, ast.Import):
                names = [alias.name for alias in inner.names]
            else:
                continue
            ours = [n for n in names if n.split(".")[0] in PACKAGES]
            said_why = "# " in lines[inner.lineno - 1] or "# " in lines[inner.lineno - 2]
            if ours and not said_why:
                hidden.append(f"line {inner.lineno}: {', '.join(ours)}")
    assert not hidden, f"imports inside functions: {hidden}"
