"""The public verify page dates a certificate in the reader's language, in the site's
zone (tests/test_formats.py has the other pages)."""

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.test_formats import chinese_date, english_date

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "show"), [("zh-hans", chinese_date), ("en", english_date)])
def test_the_verify_page_dates_the_certificate_in_the_readers_format(
    issued, language, show
) -> None:
    certificate = issued.certificate
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(f"/verify/{certificate.code}/").content.decode()
    issued_on = show(timezone.localtime(certificate.issued_at).date())
    valid_until = show(timezone.localtime(certificate.valid_until).date())
    assert f"<dd>{issued_on}</dd>" in html and f"<dd>{valid_until}</dd>" in html
