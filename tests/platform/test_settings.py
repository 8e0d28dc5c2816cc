"""Settings come from the environment and refuse bad values loudly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3y-" + "Zq8#pL2vN7xR4tY9wB1mC6dF0gH3jK5sA8eU" * 2,
    "ALLOWED_HOSTS": "mpp.lebongkab.go.id",
    "CSRF_TRUSTED_ORIGINS": "https://mpp.lebongkab.go.id",
    "SITE_URL": "https://mpp.lebongkab.go.id",
    "EMAIL_URL": "smtp://mailer:secret@smtp.lebongkab.go.id:587/?tls=True",
}


def _manage(*args, env):
    base = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "SECURE_SSL_REDIRECT",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "STATIC_MANIFEST",
            "ALLOWED_HOSTS",
            "SITE_URL",
            "EMAIL_URL",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "CACHE_DIR",
            "CACHE_KEY_PREFIX",
        }
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_values():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("SECRET_KEY", "short", "SECRET_KEY must be a random string"),
        ("DATABASE_URL", "mysql://root@localhost/mpp", "DATABASE_URL must be a postgres://"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL must start with one of"),
        ("CSRF_TRUSTED_ORIGINS", "mpp.lebongkab.go.id", "needs a scheme"),
        ("DB_CONN_MAX_AGE", "sixty", "is not a whole number"),
        ("SMS_GATEWAY_URL", "ftp://gateway", "SMS_GATEWAY_URL must start with one of"),
        ("API_RATE_ANON", "abc", "API_RATE_ANON='abc' is not a rate"),
        ("API_RATE_BOARD", "0/min", "API_RATE_BOARD='0/min' is not a rate"),
        ("API_RATE_BOOKINGS", "20/week", "is not a rate"),
        ("MEDIA_STORAGE_BACKEND", "no.such.Storage", "MEDIA_STORAGE_BACKEND='no.such.Storage'"),
        ("EMAIL_URL", "bogus", "EMAIL_URL cannot be read"),
        ("DOCUMENT_SIGNING_P12", "/etc/hostname", "cannot be opened"),
        ("CELERY_TASK_SOFT_TIME_LIMIT", "400", "must be below CELERY_TASK_TIME_LIMIT=300"),
        ("TRUSTED_PROXY_COUNT", "-1", "TRUSTED_PROXY_COUNT=-1 must be at least 0"),
    ],
)
def test_a_bad_value_stops_start_up(name, value, message):
    result = _manage("check", env={**PRODUCTION, name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_secret_key_is_required_in_production():
    env = dict(PRODUCTION)
    env.pop("SECRET_KEY")
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_language_and_time_zone(settings):
    assert settings.LANGUAGE_CODE == "id"
    assert [code for code, _ in settings.LANGUAGES] == ["id", "en"]
    assert settings.TIME_ZONE == "Asia/Jakarta"


@pytest.mark.parametrize(
    ("url", "folder"),
    [
        ("file:///srv/mpp/mail", "/srv/mpp/mail"),
        ("file://mail", str(ROOT / "mail")),
        ("file://", str(ROOT / "var" / "mail")),
    ],
)
def test_a_file_email_url_names_the_folder_it_says(url, folder):
    """file:///srv/mpp/mail is /srv/mpp/mail, not srv/mpp/mail under the current folder."""
    code = "from django.conf import settings; print(settings.EMAIL_FILE_PATH)"
    result = _manage("shell", "-c", code, env={"DEBUG": "1", "EMAIL_URL": url})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == folder
