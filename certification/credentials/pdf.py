"""The PDF certificate: Chinese and English, a CJK TrueType font embedded (subset),
and a QR code to the public verification page.

reportlab embeds TrueType (glyf) fonts only, so the font is WenQuanYi Zen Hei
(Debian ``fonts-wqy-zenhei``), not Noto CJK (CFF outlines). Its built-in CID fonts
(``STSong-Light``) are never used: they are not embedded and render only where the
reader happens to have the font. ``CERTIFICATE_FONT_PATH`` overrides the search.
"""

import io
from datetime import datetime
from functools import cache
from pathlib import Path

import qrcode
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from certification.models import Certificate
from core.dates import date_text

FONT_NAME = "CertCJK"
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


def font_path() -> Path:
    """The CJK TrueType font to embed; raises ImproperlyConfigured if none is installed."""
    configured = getattr(settings, "CERTIFICATE_FONT_PATH", "")
    candidates = [configured] if configured else list(FONT_CANDIDATES)
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise ImproperlyConfigured(
        "No CJK TrueType font for certificate PDFs: install the Debian package "
        "fonts-wqy-zenhei or set CERTIFICATE_FONT_PATH."
    )


@cache
def _font_register(path: str) -> str:
    pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
    return FONT_NAME


def qr_png(url: str) -> bytes:
    """A PNG QR code of ``url`` (error correction M)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=2)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def _frame_and_title(
    pdf: canvas.Canvas, font: str, certificate: Certificate, width: float, height: float
) -> None:
    """The double frame, the title and the certified holder and certification."""
    cert = certificate.certification
    navy = HexColor("#1d2939")
    pdf.setStrokeColor(HexColor("#155eef"))
    pdf.setLineWidth(3)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    pdf.setLineWidth(0.8)
    pdf.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)

    centre = width / 2
    pdf.setFillColor(navy)
    pdf.setFont(font, 30)
    pdf.drawCentredString(centre, height - 45 * mm, "人工智能技能认证证书")
    pdf.setFont(font, 16)
    pdf.drawCentredString(centre, height - 55 * mm, "Certificate of AI Skills Certification")

    pdf.setFont(font, 13)
    pdf.drawCentredString(centre, height - 72 * mm, "兹证明 / This is to certify that")
    pdf.setFont(font, 28)
    pdf.drawCentredString(centre, height - 88 * mm, certificate.holder_name)
    pdf.setFont(font, 13)
    pdf.drawCentredString(
        centre,
        height - 102 * mm,
        "已通过考核，获得 / has passed the assessment and is certified as",
    )
    pdf.setFont(font, 20)
    pdf.drawCentredString(centre, height - 116 * mm, cert.name)
    pdf.setFont(font, 15)
    pdf.drawCentredString(centre, height - 126 * mm, cert.name_en)


def _bilingual_date(value: datetime) -> str:
    """The date in Chinese, then in English: the certificate is one document for every
    reader, so it does not follow the language of whoever downloads it."""
    texts = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            texts.append(date_text(value, fmt="DATE_FORMAT"))
    return " / ".join(texts)


def certificate_pdf_render(*, certificate: Certificate, verify_url: str, issuer_name: str) -> bytes:
    """The certificate as a one-page A4 landscape PDF (bytes). Pure apart from reading
    the font file."""
    font = _font_register(str(font_path()))
    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height), invariant=True)
    cert = certificate.certification
    pdf.setTitle(f"{cert.name} / {cert.name_en} — {certificate.code}")
    pdf.setAuthor(issuer_name)
    pdf.setSubject(certificate.credential_id)

    _frame_and_title(pdf, font, certificate, width, height)
    pdf.setFont(font, 11)
    left = 30 * mm
    lines = [
        f"证书编号 Certificate no.: {certificate.code}",
        f"签发日期 Issued: {_bilingual_date(certificate.issued_at)}",
        f"有效期至 Valid until: {_bilingual_date(certificate.valid_until)}",
        f"签发机构 Issuer: {issuer_name}",
    ]
    for number, line in enumerate(lines):
        pdf.drawString(left, 48 * mm - number * 7 * mm, line)

    qr_size = 38 * mm
    qr_x = width - 30 * mm - qr_size
    pdf.drawImage(ImageReader(io.BytesIO(qr_png(verify_url))), qr_x, 30 * mm, qr_size, qr_size)
    pdf.setFont(font, 9)
    pdf.drawCentredString(qr_x + qr_size / 2, 25 * mm, "扫码验证 / Scan to verify")
    pdf.drawCentredString(width / 2, 18 * mm, verify_url)
    pdf.linkURL(verify_url, (qr_x, 30 * mm, qr_x + qr_size, 30 * mm + qr_size))

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
