"""The grading scripts are published where the Docker engine can mount them."""

from pathlib import Path

from django.test import override_settings

from grading.harness_files import PACKAGED, harness_dir, harness_publish


def test_the_packaged_folder_is_used_in_place_by_default() -> None:
    assert harness_dir().resolve() == PACKAGED
    assert harness_publish().resolve() == PACKAGED


def test_a_host_folder_is_filled_with_every_script(tmp_path: Path) -> None:
    target = tmp_path / "harness"
    with override_settings(GRADING_HARNESS_DIR=target):
        assert harness_publish() == target
        (target / "run_solution.py").write_text("stale")
        harness_publish()  # a newer image replaces what an older one left
    scripts = sorted(p.name for p in PACKAGED.glob("*.py"))
    assert scripts and sorted(p.name for p in target.iterdir()) == scripts
    for name in scripts:
        assert (target / name).read_bytes() == (PACKAGED / name).read_bytes()
