"""Hostile uploads: zip bombs, links and ``..`` or absolute paths in archives, other
types dressed as PDFs, a 2 GB body. Each is refused with a readable message, and
nothing is written outside private storage, nor left half-written inside it.

The bombs are made here, in memory, from zeros (a high compression ratio), and are
refused by their declared or streamed size: no test writes more than a few MiB."""

import io
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest
from rest_framework.test import APIClient

from certification.applications import services as applications
from training.bundles.manifest import BundleRefused
from training.bundles.storage import bundle_upload
from training.interchange.errors import ImportProblems
from training.interchange.qti import reader as qti

pytestmark = pytest.mark.django_db

MIB = 1 << 20


@pytest.fixture
def storage(tmp_path: Path, settings: Any) -> Path:
    """Private storage in a folder of its own, beside which nothing may appear."""
    root = tmp_path / "private"
    root.mkdir()
    settings.PRIVATE_STORAGE_DIR = root
    return root


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir()}


def zip_of(members: list[tuple[zipfile.ZipInfo | str, bytes | int]]) -> bytes:
    """A zip archive; an int content is that many zero bytes, written in 1 MiB
    chunks (the archive stays small, memory too)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            if isinstance(content, bytes):
                archive.writestr(name, content)
                continue
            info = name if isinstance(name, zipfile.ZipInfo) else zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as member:
                for _ in range(content // MIB):
                    member.write(bytes(MIB))
    return buffer.getvalue()


def symlink(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


MANIFEST = b"slug: t\ntitle: T\n"
HOSTILE_BUNDLES = {
    "zip bomb": ([("task.yaml", MANIFEST), ("data/zeros.bin", 64 * MIB)], "larger than"),
    "symlink": ([("task.yaml", MANIFEST), symlink("data/passwd", "/etc/passwd")], "links"),
    "dot-dot path": ([("task.yaml", MANIFEST), ("../../escaped.txt", b"x")], "unsafe path"),
    "absolute path": ([("task.yaml", MANIFEST), ("/tmp/escaped.txt", b"x")], "unsafe path"),
}


@pytest.mark.parametrize("case", list(HOSTILE_BUNDLES))
def test_a_hostile_bundle_is_refused_and_leaves_nothing(
    case: str, storage: Path, tmp_path: Path, settings: Any
) -> None:
    settings.BUNDLE_MAX_BYTES = 4 * MIB
    members, reason = HOSTILE_BUNDLES[case]
    source = tmp_path / "upload" / "bundle.zip"
    source.parent.mkdir()
    source.write_bytes(zip_of(members))
    around = files_under(tmp_path)

    with pytest.raises(BundleRefused) as refused:
        bundle_upload(source=source, trial=None)

    assert reason in refused.value.message
    assert files_under(tmp_path) == around  # nothing beside storage, nothing left inside
    assert files_under(storage) == set()
    assert not Path("/tmp/escaped.txt").exists()


def test_a_qti_package_bomb_is_refused_by_its_declared_size(tmp_path: Path) -> None:
    package = zip_of([("imsmanifest.xml", b"<manifest/>"), ("item.xml", 64 * MIB)])
    assert len(package) < MIB
    before = files_under(tmp_path)

    with pytest.raises(ImportProblems) as refused:
        qti.parse(package)

    assert "too large once unpacked" in refused.value.problems[0].reason
    assert files_under(tmp_path) == before


def test_a_qti_package_is_read_in_memory_whatever_its_member_names(tmp_path: Path) -> None:
    """Links and ``..`` members are never extracted: the reader reads the XML members
    it needs from memory, so no name can reach the file system."""
    package = zip_of(
        [("../../escaped.xml", b"<x/>"), ("/tmp/escaped.xml", b"<x/>"), symlink("l.xml", "/")]
    )
    with pytest.raises(ImportProblems):
        qti.parse(package)
    assert not Path("/tmp/escaped.xml").exists()


@pytest.fixture
def draft(demo: dict[str, Any], candidate: Any) -> Any:
    return applications.application_submit(
        candidate=candidate,
        certification=demo["certification"],
        full_name="A",
        learning_history="-",
        project_experience="-",
    )


DRESSED_AS_PDF = {
    "ELF executable": b"\x7fELF\x02\x01\x01" + bytes(64),
    "Windows executable": b"MZ\x90\x00" + bytes(64),
    "HTML page": b"<!DOCTYPE html><script>alert(1)</script>",
    "zip archive": zip_of([("a.txt", b"a")]),
}


@pytest.mark.parametrize("kind", list(DRESSED_AS_PDF))
def test_another_type_named_pdf_is_refused_by_its_content(
    kind: str, draft: Any, candidate: Any, storage: Path
) -> None:
    client = APIClient()
    client.force_authenticate(candidate)
    upload = io.BytesIO(DRESSED_AS_PDF[kind])
    upload.name = "cv.pdf"

    response = client.post(
        f"/api/v1/applications/{draft.pk}/attachments/", {"file": upload}, format="multipart"
    )

    assert response.status_code == 400, response.content
    assert "PDF" in response.json()["error"]["message"]
    assert files_under(storage) == set()
    assert not draft.attachments.exists()


TWO_GB = str(2 * 1024 * MIB)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/applications/{draft}/attachments/",
        "/api/v1/certifications/beginner-cv/submissions/",
    ],
)
def test_a_2_gb_api_body_is_refused_before_it_is_read(
    url: str, draft: Any, candidate: Any, storage: Path
) -> None:
    client = APIClient()
    client.force_authenticate(candidate)

    response = client.generic(
        "POST",
        url.format(draft=draft.pk),
        b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=TWO_GB,
    )

    assert response.status_code == 413
    assert response.json()["error"]["message"] == "请求内容过大"
    assert files_under(storage) == set()


@pytest.mark.parametrize(
    "url", ["/applications/{draft}/attachments/", "/tasks/bundles/", "/banks/test-bank/import/"]
)
def test_a_2_gb_page_body_is_refused_before_it_is_read(
    url: str, draft: Any, client: Any, candidate: Any, storage: Path
) -> None:
    client.force_login(candidate)

    response = client.generic(
        "POST",
        url.format(draft=draft.pk),
        b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=TWO_GB,
    )

    assert response.status_code == 413
    assert "过大" in response.content.decode()
    assert files_under(storage) == set()


def test_a_body_of_an_invalid_length_is_refused(client: Any) -> None:
    response = client.generic("POST", "/api/v1/applications/", b"{}", CONTENT_LENGTH="-1")
    assert response.status_code == 400
