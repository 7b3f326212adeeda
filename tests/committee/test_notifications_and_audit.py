"""Notifications in the app and by e-mail; the append-only audit log, its page and
its CSV export."""

import csv
import io

import pytest
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django.test import Client

from certification.applications import services as applications
from certification.audit import notifications, selectors
from certification.audit.services import audit_record
from certification.models import AuditEvent, Notification
from core.roles import Role
from tests.committee.helpers import submit
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_a_decision_notifies_the_candidate_in_the_app_and_by_mail_after_commit(
    demo, candidate, committee, django_capture_on_commit_callbacks
):
    application = submit(candidate, demo["certification"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        applications.application_reject(
            application_id=application.pk, reviewer=committee, reason="材料不全"
        )
    assert mail.outbox == []  # nothing is sent before the commit
    for callback in callbacks:
        callback()

    [note] = Notification.objects.filter(recipient=candidate)
    assert "材料不全" in note.body and note.link == f"/applications/{application.pk}/"
    [message] = mail.outbox
    assert message.to == [candidate.email] and "材料不全" in message.body


def test_a_submission_notifies_the_committee_in_the_app(demo, candidate, committee):
    submit(candidate, demo["certification"])
    assert Notification.objects.filter(recipient=committee).count() == 1
    assert not Notification.objects.filter(recipient=candidate).exists()


def test_the_bell_counts_unread_and_the_list_marks_them_read(demo, candidate, committee):
    other = make_user("zed", Role.CANDIDATE)
    mine = notifications.notification_send(recipient=candidate, title="one", email=False)
    notifications.notification_send(recipient=candidate, title="two", email=False)
    theirs = notifications.notification_send(recipient=other, title="secret", email=False)
    client = Client()
    client.force_login(candidate)

    page = client.get("/notifications/").content.decode()
    assert 'class="count">2<' in page and "one" in page and "secret" not in page

    client.post("/notifications/read/", {"ids": [mine.pk, theirs.pk]})
    assert selectors.notifications_unread_count(user=candidate) == 1
    assert selectors.notifications_unread_count(user=other) == 1  # not theirs to mark
    client.post("/notifications/read/")
    assert selectors.notifications_unread_count(user=candidate) == 0
    assert 'class="count"' not in client.get("/dashboard/").content.decode()


def test_the_audit_log_refuses_updates_and_deletes_in_code(committee):
    event = audit_record(actor=committee, action="test.act", obj=committee)
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.act"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_change_or_delete_an_audit_row(committee):
    event = audit_record(actor=committee, action="test.act", obj=committee)
    event.action = "forged"
    with pytest.raises(DatabaseError), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        event.delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE certification_auditevent SET after = '{}' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.act"


def test_the_audit_page_filters_and_the_csv_exports_what_it_shows(demo, candidate, committee):
    application = submit(candidate, demo["certification"])
    applications.application_reject(
        application_id=application.pk, reviewer=committee, reason='=HYPERLINK("x")'
    )
    audit_record(actor=committee, action="other.thing", obj=committee)
    client = Client()
    client.force_login(committee)

    page = client.get("/committee/audit/?action=application.").content.decode()
    assert "application.reject" in page and "other.thing</code></td>" not in page

    response = client.get("/committee/audit.csv?action=application.reject&actor=carol")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["at", "actor", "action", "object_type", "object_id", "before", "after"]
    [row] = rows[1:]
    assert row[1:5] == [
        "carol",
        "application.reject",
        "certification.application",
        str(application.pk),
    ]
    assert '"reason": "=HYPERLINK' in row[6]  # JSON starts with "{", so no formula


def test_the_csv_neutralises_cells_that_look_like_formulas(committee):
    audit_record(actor=committee, action="=cmd|' /C calc'!A0", obj=committee)
    client = Client()
    client.force_login(committee)
    body = b"".join(client.get("/committee/audit.csv").streaming_content).decode()
    assert "'=cmd" in body
