"""Runs inside the sandbox for programming questions: loads the candidate's
``/submission/solution.py`` and evaluates each test call from ``/tests/calls.json``,
writing ``repr`` of each result (or the error) to ``/output/results.json``.

The expected values never enter the sandbox: the worker compares them outside, so
nothing the candidate's code does in here can make a test pass except the right
answer."""

import importlib.util
import json
import sys


def main() -> None:
    spec = importlib.util.spec_from_file_location("solution", "/submission/solution.py")
    if spec is None or spec.loader is None:
        sys.exit("solution.py could not be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with open("/tests/calls.json", encoding="utf-8") as handle:
        calls = json.load(handle)
    results = []
    for call in calls:
        try:
            value = eval(call["call"], vars(module))  # noqa: S307 - inside the sandbox
            results.append({"name": call["name"], "repr": repr(value)[:10_000]})
        except BaseException as exc:
            results.append({"name": call["name"], "error": f"{type(exc).__name__}: {exc}"[:500]})
    with open("/output/results.json", "w", encoding="utf-8") as handle:
        json.dump(results, handle)


if __name__ == "__main__":
    main()
