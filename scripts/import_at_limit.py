"""Writes a question file at the import size limit from real items: the GIFT-PEG
fixtures (tests/interchange/data/gift-peg, MIT) that our parser reads without a
problem, repeated until the next copy would pass the limit. For the "Long operations"
benchmarks (docs/benchmarks.md) and the import's progress tests.

    .venv/bin/python scripts/import_at_limit.py OUT.gift [--bytes N]
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "interchange" / "data" / "gift-peg"


def clean_items() -> list[str]:
    """The fixture files our GIFT parser reads whole (no problem, at least one item)."""
    from training.interchange import ImportProblems, parse

    found = []
    for path in sorted(FIXTURES.glob("*.gift")):
        text = path.read_text(encoding="utf-8")
        try:
            result = parse("gift", text)
        except ImportProblems:
            continue
        if result.drafts:
            found.append(text.strip() + "\n\n")
    return found


def file_at_limit(limit: int) -> bytes:
    """Copies of the clean fixtures, whole files only, up to ``limit`` bytes."""
    items = [text.encode() for text in clean_items()]
    out = bytearray()
    while True:
        for item in items:
            if len(out) + len(item) > limit:
                return bytes(out)
            out += item


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from training.services.interchange import QUESTION_IMPORT_MAX_BYTES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--bytes", type=int, default=QUESTION_IMPORT_MAX_BYTES)
    args = parser.parse_args()
    data = file_at_limit(args.bytes)
    args.out.write_bytes(data)
    print(f"{args.out}: {len(data)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
