"""A self-registered candidate confirms their address through the link mailed to
them (after the registration commits); a forged or stale link confirms nothing."""

import re

import pytest
from django.core import mail
from django.test import Client

from certification.accounts.email import email_verification_send
from certification.models import EmailAddress

pytestmark = pytest.mark.django_db(transaction=True)


def register(client: Client, username: str = "mei") -> None:
    response = client.post(
        "/accounts/register/",
        {
            "username": username,
            "email": f"{username}@example.org",
            "password": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 302


def link_path(message: mail.EmailMessage) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/verify-email/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_registration_mails_a_link_that_confirms_the_address() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    register(client)
    [message] = mail.outbox
    assert message.to == ["mei@example.org"]
    assert "mei@example.org" in client.get("/dashboard/").content.decode()  # the notice

    confirmed = Client().get(link_path(message))  # signed out, in another browser
    assert confirmed.status_code == 200 and "邮箱已验证" in confirmed.content.decode()
    assert EmailAddress.objects.get(email="mei@example.org").verified_at is not None
    assert "email-pending" not in client.get("/dashboard/").content.decode()
    first = EmailAddress.objects.get().verified_at
    assert Client().get(link_path(message)).status_code == 200  # twice: unchanged
    assert EmailAddress.objects.get().verified_at == first


def test_a_forged_or_stale_link_confirms_nothing() -> None:
    client = Client()
    register(client)
    path = link_path(mail.outbox[0])
    assert Client().get(path[:-3] + "xx/").status_code == 400
    address = EmailAddress.objects.get()
    address.user.email = "new@example.org"
    address.user.save(update_fields=["email"])
    email_verification_send(user=address.user)  # the address changed: a new link
    assert Client().get(path).status_code == 400  # the old address's link
    assert EmailAddress.objects.get().verified_at is None
    assert client.post("/accounts/verify-email/resend/").status_code == 302
    assert len(mail.outbox) == 3
