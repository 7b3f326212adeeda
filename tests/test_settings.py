"""Settings come from the environment and fail loudly on a bad value."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "SANDBOX_"))
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; from django.conf import settings; django.setup(); "
            "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER, settings.SANDBOX_BACKEND)",
        ],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_embedded_default_is_sqlite_with_in_process_tasks() -> None:
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "auto"]


def test_database_and_redis_urls_switch_to_postgres_and_a_real_broker() -> None:
    result = load_settings(
        DATABASE_URL="postgres://u@127.0.0.1:5432/x", REDIS_URL="redis://127.0.0.1:6379/0"
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "False", "auto"]


@pytest.mark.parametrize(
    "env,message",
    [
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
        ({"SANDBOX_BACKEND": "vm"}, "SANDBOX_BACKEND"),
        ({"DJANGO_PRODUCTION": "1"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_PRODUCTION": "1", "DJANGO_SECRET_KEY": "x" * 50}, "DATABASE_URL"),
        (
            {
                "DJANGO_PRODUCTION": "1",
                "DJANGO_SECRET_KEY": "x" * 50,
                "DATABASE_URL": "postgres://u@127.0.0.1/x",
            },
            "CREDENTIAL_KEY_SECRET",
        ),
        ({"SOLUTION_MAX_BYTES": "lots"}, "SOLUTION_MAX_BYTES"),
    ],
)
def test_bad_configuration_stops_start_up_with_a_message(env: dict[str, str], message: str) -> None:
    result = load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_production_never_allows_the_local_sandbox() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; from django.conf import settings; django.setup(); print(settings.SANDBOX_ALLOW_LOCAL)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_PRODUCTION": "1",
            "DJANGO_SECRET_KEY": "x" * 50,
            "DATABASE_URL": "postgres://u@127.0.0.1/x",
            "DJANGO_ALLOWED_HOSTS": "example.org",
            "SANDBOX_ALLOW_LOCAL": "1",
            "CREDENTIAL_KEY_SECRET": "y" * 50,
        },
    )
    assert result.stdout.strip() == "False", result.stderr


def production_env(**extra: str) -> dict[str, str]:
    """A complete production configuration with fresh random secrets."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "SANDBOX_"))
    }
    return {
        **clean,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_PRODUCTION": "1",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "CREDENTIAL_KEY_SECRET": secrets.token_urlsafe(50),
        "DATABASE_URL": "postgres://u@127.0.0.1/x",
        "DJANGO_ALLOWED_HOSTS": "certs.example.org",
        **extra,
    }


def test_deployment_checklist_is_clean_in_production() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output and "ERRORS" not in output, output
    assert "no issues" in output


def test_production_answers_https_only_with_secure_cookies() -> None:
    probe = (
        "import django, json; from django.conf import settings as s; django.setup(); "
        "print(json.dumps([s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_NAME, s.SECURE_PROXY_SSL_HEADER]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=production_env(
            DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
            DJANGO_SECURE_HSTS_PRELOAD="0",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        True,
        365 * 24 * 60 * 60,
        True,
        False,  # preload is the operator's choice
        True,
        True,
        "__Host-sessionid",
        ["HTTP_X_FORWARDED_PROTO", "https"],
    ]


def test_a_proxy_header_must_be_a_request_header() -> None:
    result = load_settings(DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")
    assert result.returncode != 0
    assert "DJANGO_SECURE_PROXY_SSL_HEADER" in result.stderr
