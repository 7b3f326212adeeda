"""The permission matrix's world (tests/test_permissions.py), for the attack tests."""

from tests.test_permissions import world  # noqa: F401 - the fixture
