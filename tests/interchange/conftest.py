from pathlib import Path

import pytest

from training.models import QuestionBank

DATA = Path(__file__).parent / "data"


@pytest.fixture
def bank(db: None) -> QuestionBank:
    return QuestionBank.objects.create(slug="ai-basics", title="AI basics")


@pytest.fixture
def sample_xml() -> bytes:
    return (DATA / "moodle" / "sample.xml").read_bytes()
