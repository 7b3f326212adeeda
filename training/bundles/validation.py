"""Whether an unpacked bundle is complete and consistent: required files, the
manifest, the starters and references its framework needs, the declared checksums,
and dev and test sets of matching lengths."""

from pathlib import Path

import numpy as np

from training.bundles.archive import file_checksums
from training.bundles.manifest import (
    FRAMEWORKS,
    MANIFEST,
    BundleRefused,
    Manifest,
    manifest_parse,
)
from training.bundles.paths import BundlePaths
from training.models import PracticalTask

CHECKSUMS = "SHA256SUMS"
REQUIRED_FILES = (
    MANIFEST,
    "public/statement.md",
    "public/dev/X.npy",
    "hidden/inputs/X.npy",
    "solutions/baseline/solution.py",
)


def bundle_validate(root: Path) -> tuple[Manifest, dict[str, str]]:
    """Checks an unpacked bundle: required files, manifest, checksums, array shapes.
    Returns the manifest and the checksums of every file. Raises BundleRefused."""
    paths = BundlePaths(root)
    _required_files_check(paths)
    manifest = manifest_parse((root / MANIFEST).read_text(encoding="utf-8"))
    _framework_files_check(paths, manifest)
    extra = sorted(p.name for p in paths.test_inputs_dir.iterdir() if p.name != "X.npy")
    if extra:
        raise BundleRefused(f"hidden/inputs may hold only X.npy (found {extra})")
    sums = file_checksums(root)
    if CHECKSUMS in sums:
        _declared_checksums_check(root, sums)
    for split, inputs in (
        ("dev", paths.dev_dir / "X.npy"),
        ("test", paths.test_inputs_dir / "X.npy"),
    ):
        try:
            x = np.load(inputs, allow_pickle=False, mmap_mode="r")
            y = paths.labels(split)
        except (ValueError, OSError) as exc:
            raise BundleRefused(f"{split} set cannot be read without pickle: {exc}") from exc
        if len(x) != len(y) or len(y) == 0:
            raise BundleRefused(f"{split} set: {len(x)} inputs but {len(y)} labels")
    return manifest, sums


def _required_files_check(paths: BundlePaths) -> None:
    root = paths.root
    missing = [name for name in REQUIRED_FILES if not (root / name).is_file()]
    if not (paths.train_dir.is_dir() and any(paths.train_dir.iterdir())):
        missing.append("public/train/ (training data)")
    for folder in (paths.dev_dir, paths.test_labels_dir):
        if not ((folder / "y.npy").is_file() or (folder / "y.json").is_file()):
            missing.append(f"{folder.relative_to(root)}/y.npy or y.json")
    if missing:
        raise BundleRefused(f"bundle lacks {', '.join(missing)}")


def _framework_files_check(paths: BundlePaths, manifest: Manifest) -> None:
    """One framework: ``public/starter/solution.py`` and a reference. Framework
    ``any``: a starter per framework in ``public/starter/<framework>/`` and a reference
    per framework (``solutions/reference/<framework>/solution.py``, or one shared
    ``solutions/reference/solution.py`` that runs in every framework's image)."""
    root, starters = paths.root, paths.root / "public" / "starter"
    frameworks = manifest.frameworks
    missing = [
        path.relative_to(root).as_posix()
        for framework in frameworks
        for path in (
            starters / framework / "solution.py"
            if len(frameworks) > 1
            else starters / "solution.py",
            paths.reference_for(framework),
        )
        if not path.is_file()
    ]
    if missing:
        layout = (
            "one starter per framework (public/starter/pytorch/solution.py, "
            "public/starter/tensorflow/solution.py) and a reference for each"
            if len(frameworks) > 1
            else "public/starter/solution.py and solutions/reference/solution.py"
        )
        raise BundleRefused(
            f"bundle lacks {', '.join(missing)} (framework = {manifest.framework!r} needs {layout})"
        )
    if len(frameworks) > 1 and (starters / "solution.py").exists():
        raise BundleRefused(
            'framework = "any": public/starter/solution.py is ambiguous; put the starters '
            "in public/starter/pytorch/ and public/starter/tensorflow/"
        )
    others = sorted(
        f"{folder.relative_to(root).as_posix()}/"
        for name in FRAMEWORKS - {PracticalTask.ANY_FRAMEWORK} - set(frameworks)
        for folder in (starters / name, root / "solutions" / "reference" / name)
        if folder.exists()
    )
    if others:
        raise BundleRefused(
            f"{', '.join(others)}: the task's framework is {manifest.framework!r}; "
            'set framework = "any" to offer more than one'
        )


def _declared_checksums_check(root: Path, sums: dict[str, str]) -> None:
    """Every file but SHA256SUMS is listed in it, with the right digest."""
    declared = {}
    for line in (root / CHECKSUMS).read_text(encoding="utf-8").splitlines():
        if line.strip():
            digest, _, name = line.partition("  ")
            declared[name.strip().removeprefix("./")] = digest.strip().lower()
    actual = {k: v for k, v in sums.items() if k != CHECKSUMS}
    wrong = sorted(n for n in declared if actual.get(n) != declared[n])
    unlisted = sorted(set(actual) - set(declared))
    if wrong or unlisted:
        raise BundleRefused(
            f"SHA256SUMS does not match: wrong {wrong[:5]}, unlisted {unlisted[:5]}"
        )
