"""Attachments: type by content, size cap, private storage, access-checked download."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from certification.applications import services as applications
from certification.models import ApplicationAttachment, TrainingRelation
from core.errors import ApplicationError, Conflict, NotFound
from core.roles import Role
from tests.committee.helpers import JPEG, PDF, PNG, submit
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def attach(candidate, application, name, data):
    return applications.attachment_add(
        candidate=candidate,
        application_id=application.pk,
        upload=SimpleUploadedFile(name, data, content_type="application/pdf"),
    )


@pytest.mark.parametrize(
    ("name", "data", "detected"),
    [
        ("cv.pdf", PDF, "application/pdf"),
        ("photo.png", PNG, "image/png"),
        ("scan.jpg", JPEG, "image/jpeg"),
        # The name and the browser's claim do not count; the bytes do.
        ("really-a-png.pdf", PNG, "image/png"),
    ],
)
def test_pdf_png_and_jpeg_are_recognised_by_their_content(demo, candidate, name, data, detected):
    application = submit(candidate, demo["certification"])
    attachment = attach(candidate, application, name, data)
    assert (attachment.content_type, attachment.size_bytes) == (detected, len(data))
    stored = Path(settings.PRIVATE_STORAGE_DIR) / attachment.storage_name
    assert stored.read_bytes() == data
    assert Path(settings.PRIVATE_STORAGE_DIR) in stored.parents
    assert not str(stored).startswith(str(settings.STATIC_ROOT or "/nonexistent"))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("evil.pdf", b"MZ\x90\x00 a windows program"),
        ("page.pdf", b"<html><script>alert(1)</script>"),
        ("empty.pdf", b""),
        ("huge.pdf", PDF + b"0" * applications.ATTACHMENT_MAX_BYTES),
    ],
)
def test_other_types_empty_and_oversized_files_are_refused(demo, candidate, name, data):
    application = submit(candidate, demo["certification"])
    with pytest.raises(ApplicationError):
        attach(candidate, application, name, data)
    assert not ApplicationAttachment.objects.exists()
    assert not list(
        (Path(settings.PRIVATE_STORAGE_DIR) / "applications").glob(f"{application.pk}/*")
    )


def test_at_most_five_files_and_only_before_the_decision(demo, candidate, committee):
    application = submit(candidate, demo["certification"])
    for n in range(applications.ATTACHMENT_MAX_COUNT):
        attach(candidate, application, f"{n}.pdf", PDF)
    with pytest.raises(ApplicationError):
        attach(candidate, application, "6.pdf", PDF)
    applications.application_approve(application_id=application.pk, reviewer=committee)
    with pytest.raises(Conflict):
        attach(candidate, application, "late.pdf", PDF)
    assert ApplicationAttachment.objects.count() == applications.ATTACHMENT_MAX_COUNT


def test_nobody_attaches_to_someone_elses_application(demo, candidate, other_candidate):
    application = submit(candidate, demo["certification"])
    with pytest.raises(NotFound):
        attach(other_candidate, application, "x.pdf", PDF)


def test_the_download_answers_the_owner_and_the_committee_only(demo, candidate, committee):
    application = submit(candidate, demo["certification"])
    attachment = attach(candidate, application, "cv.pdf", PDF)
    url = f"/applications/{application.pk}/attachments/{attachment.pk}/"
    mentor = make_user("mentor", Role.COMMITTEE)
    TrainingRelation.objects.create(
        staff=mentor, candidate=candidate, kind="mentor", declared_by=mentor
    )

    def get(user):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client.get(url)

    owner = get(candidate)
    assert owner.status_code == 200
    assert b"".join(owner.streaming_content) == PDF
    assert owner["Content-Type"] == "application/pdf"
    assert "attachment" in owner["Content-Disposition"]
    assert owner["X-Content-Type-Options"] == "nosniff"
    assert get(committee).status_code == 200
    for outsider in (
        make_user("eve", Role.CANDIDATE),
        make_user("ivan", Role.INSTRUCTOR),
        make_user("olga", Role.EXAMINER),
        mentor,  # a conflict of interest hides it too
    ):
        assert get(outsider).status_code == 404
    assert get(None).status_code == 302
    assert Client().get(f"/applications/{application.pk}/attachments/999999/").status_code == 302


def test_the_form_submits_text_and_files_in_one_go(demo, candidate):
    client = Client()
    client.force_login(candidate)
    response = client.post(
        "/certifications/beginner-cv/apply/",
        {
            "full_name": "李",
            "learning_history": "课程",
            "project_experience": "项目",
            "attachments": [
                SimpleUploadedFile("a.pdf", PDF),
                SimpleUploadedFile("b.png", PNG),
            ],
        },
    )
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    application = candidate.applications.get()
    assert application.state == "submitted"
    assert sorted(a.content_type for a in application.attachments.all()) == [
        "application/pdf",
        "image/png",
    ]


def test_the_form_saves_a_draft_then_submits_it(demo, candidate):
    client = Client()
    client.force_login(candidate)
    client.post("/certifications/beginner-cv/apply/", {"full_name": "李", "action": "draft"})
    draft = candidate.applications.get()
    assert draft.state == "draft"
    page = client.get("/certifications/beginner-cv/apply/").content.decode()
    assert 'value="李"' in page
    client.post(
        "/certifications/beginner-cv/apply/",
        {"full_name": "李", "learning_history": "课程", "project_experience": "项目"},
    )
    draft.refresh_from_db()
    assert draft.state == "submitted"
