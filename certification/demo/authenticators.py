"""The demo staff accounts' authenticator: one shared, published secret, so that a
reviewer can sign in to the demo as committee, instructor or examiner. Add it to an
authenticator app once (README "Demo accounts"); ``load_demo`` prints it. Demo
accounts, and so this secret, never exist on a production site (load_demo refuses)."""

from base64 import b32encode
from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice

from certification.accounts.second_factor import second_factor_required

# 20 bytes, as authenticator apps expect: "cert-exam-demo-2026!".
DEMO_TOTP_KEY = b"cert-exam-demo-2026!"
DEMO_TOTP_SECRET = b32encode(DEMO_TOTP_KEY).decode()  # MNSXE5BNMV4GC3JNMRSW23ZNGIYDENRB
DEMO_DEVICE = "demo authenticator"


def demo_authenticators(users: list[Any]) -> int:
    """Gives each of ``users`` who needs a second factor the demo authenticator
    (confirmed). Safe to run twice; returns how many were created."""
    created = 0
    for user in users:
        if not second_factor_required(user):
            continue
        _, made = TOTPDevice.objects.get_or_create(
            user=user,
            name=DEMO_DEVICE,
            defaults={"key": DEMO_TOTP_KEY.hex(), "confirmed": True},
        )
        created += made
    return created
