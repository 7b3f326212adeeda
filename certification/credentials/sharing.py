"""What a holder shares: the LinkedIn add-to-profile link and the embeddable badge."""

from typing import Any
from urllib.parse import urlencode

from django.utils.html import escape

from certification.models import Certificate

LINKEDIN_ADD_URL = "https://www.linkedin.com/profile/add"

_BADGE_COLOURS = {
    "valid": ("#067647", "有效 Valid"),
    "expired": ("#b54708", "已过期 Expired"),
    "suspended": ("#b54708", "已暂停 Suspended"),
    "revoked": ("#b42318", "已撤销 Revoked"),
}


def linkedin_add_url(*, certificate: Certificate, verify_url: str, organization: str) -> str:
    """LinkedIn's documented "Add to profile" link for a certification."""
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": f"{certificate.certification.name} / {certificate.certification.name_en}",
        "organizationName": organization,
        "issueYear": certificate.issued_at.year,
        "issueMonth": certificate.issued_at.month,
        "expirationYear": certificate.valid_until.year,
        "expirationMonth": certificate.valid_until.month,
        "certUrl": verify_url,
        "certId": certificate.code,
    }
    return f"{LINKEDIN_ADD_URL}?{urlencode(params)}"


def badge_svg(*, certificate: Certificate, status: str) -> str:
    """A self-contained SVG badge (no external fonts or images), 320×120."""
    colour, label = _BADGE_COLOURS.get(status, ("#b42318", status))
    cert = certificate.certification
    title = escape(cert.name)
    title_en = escape(cert.name_en)
    holder = escape(certificate.holder_name if certificate.show_name else "")
    until = f"{certificate.valid_until:%Y-%m-%d}"
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="120" '
        f'viewBox="0 0 320 120" role="img" aria-label="{title} — {escape(label)}">'
        f"<title>{title} / {title_en} — {escape(label)}</title>"
        '<rect x="1" y="1" width="318" height="118" rx="12" fill="#fff" '
        f'stroke="{colour}" stroke-width="2"/>'
        f'<circle cx="50" cy="60" r="34" fill="{colour}"/>'
        '<text x="50" y="68" font-size="22" text-anchor="middle" fill="#fff" '
        'font-family="sans-serif" font-weight="700">AI</text>'
        '<text x="98" y="36" font-size="15" font-family="sans-serif" font-weight="700" '
        f'fill="#101828">{title}</text>'
        '<text x="98" y="56" font-size="12" font-family="sans-serif" '
        f'fill="#475467">{title_en}</text>'
        '<text x="98" y="76" font-size="12" font-family="sans-serif" '
        f'fill="#101828">{holder}</text>'
        f'<text x="98" y="98" font-size="12" font-family="sans-serif" fill="{colour}" '
        f'font-weight="700">{escape(label)} · {until}</text>'
        "</svg>"
    )


_KEY_ORDER = (
    "@context",
    "id",
    "type",
    "name",
    "issuer",
    "validFrom",
    "validUntil",
    "credentialSubject",
    "credentialStatus",
    "proof",
)


def credential_ordered(document: dict[str, Any]) -> dict[str, Any]:
    """The same credential with its top-level keys in the usual reading order
    (PostgreSQL's jsonb stores keys sorted by length). The proof covers the RDF, not
    the bytes, so this never affects verification."""
    known = {key: document[key] for key in _KEY_ORDER if key in document}
    return {**known, **{k: v for k, v in document.items() if k not in known}}
