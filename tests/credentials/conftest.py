"""Fixtures for the credentials library tests (no database, no Django needed)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certification.credentials.vc import (
    AchievementSpec,
    ComponentResult,
    IssuerProfile,
    LocalizedText,
    StatusEntry,
    StatusList,
    VerificationKey,
    open_badge_credential_build,
    status_bits_new,
)

VECTORS = Path(__file__).parent / "vectors"
ISSUER_ID = "https://cert.example.org/issuer"
KEY_URL = f"{ISSUER_ID}#key-2026"
REVOCATION_URL = "https://cert.example.org/status/revocation/1"
SUSPENSION_URL = "https://cert.example.org/status/suspension/1"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ISSUED = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)


def vector_text(relative: str) -> str:
    return (VECTORS / relative).read_text("utf-8")


def vector_json(relative: str) -> Any:
    return json.loads(vector_text(relative))


def text(zh: str, en: str) -> LocalizedText:
    return LocalizedText(zh_hans=zh, en=en)


ISSUER = IssuerProfile(
    id=ISSUER_ID,
    name="人工智能技能认证委员会 / AI Skills Certification Committee",
    url="https://cert.example.org/",
)
ACHIEVEMENT = AchievementSpec(
    id="https://cert.example.org/achievements/nlp-intermediate",
    name=text("人工智能技能认证(中级·自然语言处理)", "AI Skills Certification, Intermediate, NLP"),
    description=text("通过笔试、实操与面试。", "Passed the written, practical and oral exams."),
    criteria=text("综合成绩不低于 70 分。", "Composite score of at least 70."),
    level="intermediate",
    domain=text("自然语言处理", "Natural language processing"),
    human_code="AISC-NLP-2",
)
RESULTS = (
    ComponentResult(
        key="written",
        name=text("笔试", "Written exam"),
        result_type="Percent",
        value="86",
        required_value="60",
        value_min="0",
        value_max="100",
    ),
    ComponentResult(
        key="practical",
        name=text("实操", "Practical"),
        result_type="Percent",
        value="91",
        required_value="60",
    ),
)


def build_credential(**overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "credential_id": "urn:uuid:6b7e2a0c-1c9a-4c4e-9a57-0d1f0f6e1a01",
        "issuer": ISSUER,
        "achievement": ACHIEVEMENT,
        "holder_email": "Zhang.San@Example.com",
        "holder_salt": "5f1d3c9a0b7e4d2c8a6f1e3b5d7c9a0b",
        "holder_name": "张三",
        "valid_from": ISSUED,
        "valid_until": ISSUED + timedelta(days=730),
        "results": RESULTS,
        "status_entries": [
            StatusEntry(list_credential=REVOCATION_URL, index=94567, purpose="revocation"),
            StatusEntry(list_credential=SUSPENSION_URL, index=1234, purpose="suspension"),
        ],
    }
    arguments.update(overrides)
    return open_badge_credential_build(**arguments)


@pytest.fixture(scope="session")
def issuer_key() -> Ed25519PrivateKey:
    # Fixed seed: deterministic signatures across runs.
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


@pytest.fixture
def keys(issuer_key: Ed25519PrivateKey) -> dict[str, VerificationKey]:
    return {
        KEY_URL: VerificationKey(
            id=KEY_URL, controller=ISSUER_ID, public_key=issuer_key.public_key()
        )
    }


@pytest.fixture
def status_lists() -> dict[str, StatusList]:
    return {
        REVOCATION_URL: StatusList(
            url=REVOCATION_URL, purpose="revocation", bits=bytes(status_bits_new())
        ),
        SUSPENSION_URL: StatusList(
            url=SUSPENSION_URL, purpose="suspension", bits=bytes(status_bits_new())
        ),
    }


@pytest.fixture
def credential() -> dict[str, Any]:
    return build_credential()


Resolver = Callable[[str], Any]
