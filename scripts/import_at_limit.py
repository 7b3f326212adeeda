"""Writes a question file at the import limits from real items, for the "Long
operations" benchmarks (docs/benchmarks.md) and the import's progress tests:

- GIFT: the GIFT-PEG fixtures (tests/interchange/data/gift-peg, MIT) that our parser
  reads without a problem, repeated until the next copy would pass the size limit;
- QTI: a content package (zip) of the QTI 2.1 samples (tests/interchange/data/qti21,
  BSD-3) that we read, repeated up to the package's file limit or the size limit.

    .venv/bin/python scripts/import_at_limit.py OUT.gift [--bytes N]
    .venv/bin/python scripts/import_at_limit.py OUT.zip --format qti
"""

import argparse
import io
import os
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "interchange" / "data" / "gift-peg"
QTI_FIXTURES = ROOT / "tests" / "interchange" / "data" / "qti21"


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


def qti_items() -> list[bytes]:
    """The QTI samples we read whole."""
    from training.interchange import ImportProblems, parse

    found = []
    for path in sorted(QTI_FIXTURES.glob("*.xml")):
        data = path.read_bytes()
        try:
            result = parse("qti", data)
        except ImportProblems:
            continue
        if result.drafts:
            found.append(data)
    return found


def package_at_limit(limit: int) -> bytes:
    """A content package of the QTI samples: as many item files as the package may
    hold, or fewer if the zip would pass ``limit`` bytes."""
    from training.interchange.qti.reader import PACKAGE_MAX_FILES

    items = qti_items()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(PACKAGE_MAX_FILES):
            if buffer.tell() > limit - 64 * 1024:  # room for the central directory
                break
            archive.writestr(f"items/item{n:04d}.xml", items[n % len(items)])
    return buffer.getvalue()


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from training.services.interchange import QUESTION_IMPORT_MAX_BYTES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--bytes", type=int, default=QUESTION_IMPORT_MAX_BYTES)
    parser.add_argument("--format", choices=["gift", "qti"], default="gift")
    args = parser.parse_args()
    make = package_at_limit if args.format == "qti" else file_at_limit
    data = make(args.bytes)
    args.out.write_bytes(data)
    print(f"{args.out}: {len(data)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
