"""The security headers of every response, the CSP report endpoint, and a scan of the
templates for what the Content-Security-Policy would refuse (docs/security.md). The
browser walk (tests/journeys/test_every_page.py) loads the pages themselves."""

import json
import logging
import re
from pathlib import Path

import pytest
from django.test import Client

from certification.models import Certificate
from core import csp

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def directives(header: str) -> dict[str, list[str]]:
    parts = (d.split() for d in header.split(";") if d.strip())
    return {name: values for name, *values in parts}


def test_a_page_carries_the_policy_and_the_nonce_of_its_scripts() -> None:
    first, second = Client().get("/"), Client().get("/")
    policy = directives(first["Content-Security-Policy"])
    nonce = re.search(r"'nonce-([^']+)'", first["Content-Security-Policy"])
    assert nonce is not None
    assert policy == {
        "default-src": ["'self'"],
        "script-src": ["'self'", f"'nonce-{nonce.group(1)}'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "report-uri": ["/csp-report/"],
    }
    assert f'nonce="{nonce.group(1)}"' in first.content.decode()
    assert nonce.group(1) not in second["Content-Security-Policy"]  # one per response


def test_every_response_has_the_other_security_headers() -> None:
    response = Client().get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in permissions
    # Not production: no HSTS, no redirect to HTTPS (make run serves plain HTTP).
    assert "Strict-Transport-Security" not in response and response.status_code == 200


def test_the_api_docs_alone_add_data_images_and_run_no_inline_script() -> None:
    page = Client().get("/api/docs/")
    assert directives(page["Content-Security-Policy"])["img-src"] == ["'self'", "data:"]
    html = page.content.decode()
    assert "<style" not in html
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))
    script = Client().get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    assert '"validatorUrl": null' in script.content.decode()


def test_the_badge_keeps_its_own_stricter_policy(demo) -> None:
    code = Certificate.objects.get().code
    response = Client().get(f"/verify/{code}/badge.svg")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"


def report(client: Client, body: object, addr: str = "192.0.2.1") -> int:
    return client.post(
        "/csp-report/",
        json.dumps(body),
        content_type="application/csp-report",
        REMOTE_ADDR=addr,
    ).status_code


def test_a_report_is_logged_without_query_strings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="csp.violations")
    body = {
        "csp-report": {
            "document-uri": "https://certs.example.org/attempts/1/?token=secret#x",
            "effective-directive": "script-src-elem",
            "blocked-uri": "inline",
            "line-number": 12,
            "original-policy": "default-src 'self'",
        }
    }
    assert report(Client(), body, addr="192.0.2.10") == 204
    (record,) = [r for r in caplog.records if r.name == "csp.violations"]
    facts = json.loads(record.getMessage().removeprefix("CSP violation "))
    assert facts["document"] == "https://certs.example.org/attempts/1/"
    assert (facts["directive"], facts["blocked"], facts["line"]) == (
        "script-src-elem",
        "inline",
        "12",
    )
    assert "secret" not in record.getMessage() and "original" not in record.getMessage()


def test_a_reporting_api_batch_is_read_too(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="csp.violations")
    batch = [{"type": "csp-violation", "body": {"effectiveDirective": "img-src"}}] * 2
    assert report(Client(), batch, addr="192.0.2.11") == 204
    assert len([r for r in caplog.records if r.name == "csp.violations"]) == 2


def test_the_endpoint_refuses_what_it_should_not_read(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="csp.violations")
    client = Client()
    big = {"csp-report": {"blocked-uri": "x" * csp.MAX_BYTES}}
    assert report(client, big, addr="192.0.2.12") == 413
    assert client.get("/csp-report/").status_code == 405
    bad = client.post(
        "/csp-report/", "not json", content_type="application/csp-report", REMOTE_ADDR="192.0.2.12"
    )
    assert bad.status_code == 400
    assert [r for r in caplog.records if r.name == "csp.violations"] == []


def test_one_address_is_limited_per_minute() -> None:
    client = Client()
    codes = [report(client, {}, addr="192.0.2.13") for _ in range(csp.PER_MINUTE + 1)]
    assert codes == [204] * csp.PER_MINUTE + [429]
    assert report(client, {}, addr="192.0.2.14") == 204  # another address is not


TEMPLATES = sorted(
    p
    for pattern in (
        "templates/**/*.html",
        "certification/*/templates/**/*.html",
        "*/templates/**/*.html",
    )
    for p in ROOT.glob(pattern)
)
# What the policy refuses: an inline script (a data block is not a script), an inline
# event handler or javascript: URL, an inline style block or attribute.
REFUSED = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"
    r"|\son[a-z]+\s*=|javascript:|<style|\sstyle\s*="
)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_holds_what_the_policy_refuses(template: Path) -> None:
    found = REFUSED.findall(template.read_text())
    assert found == [], found


def test_every_script_tag_carries_the_nonce() -> None:
    for template in TEMPLATES:
        for tag in re.findall(r"<script[^>]*\bsrc=[^>]*>", template.read_text()):
            assert 'nonce="{{ CSP_NONCE }}"' in tag, (template, tag)
    assert len(TEMPLATES) > 50
